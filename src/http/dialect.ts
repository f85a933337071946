import type { Hono } from 'hono';
import type { Core } from '../core/index.ts';
import type { AppConfig } from '../config.ts';

/** What a dialect gets from the server: the core, the configuration and its own signing key. */
export interface DialectEnv {
  core: Core;
  config: AppConfig;
  /** This dialect's HS256 key (≥ 256 bits); tokens never cross ports. */
  key: Uint8Array;
}

export interface Dialect {
  name: string;
  defaultPort: number;
  createApp(env: DialectEnv): Hono;
}
