import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Sent } from './harness.ts';

export interface GoldenCase {
  name: string;
  as?: string;
  /** The bearer refresh token of the request was issued here: its session exists (flask names it by the jti). */
  session?: string;
  request: { method: string; path: string; headers?: Record<string, string>; body?: string };
  response: { status: number; headers?: Record<string, string | null>; body: string };
}

export function readGolden(dialect: string): GoldenCase[] {
  const file = fileURLToPath(new URL(`../../fixtures/golden/${dialect}.json`, import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')).cases;
}

export const fill = (s: string, vars: Record<string, string>) => s.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? `{{${k}}}`);

/** Status, the named headers (null = must be absent) and the exact body bytes. */
export function expectGolden(got: Sent, want: GoldenCase['response']): void {
  expect({ status: got.status, body: got.text }).toEqual({ status: want.status, body: want.body });
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    expect(got.headers.get(name), `header ${name}`).toBe(value);
  }
}
