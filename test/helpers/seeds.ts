import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CurlCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export const seedPath = (file: string) => fileURLToPath(new URL(`../../../shared/seeds/${file}`, import.meta.url));

/** Every `curl` example of a seed document, as written there (line continuations joined). */
export function curlCalls(file: string): CurlCall[] {
  const text = readFileSync(seedPath(file), 'utf8').replace(/\\\n\s*/g, ' ');
  return [...text.matchAll(/^curl .*$/gm)].map(([line]) => {
    const method = /-X (\w+)/.exec(line)?.[1] ?? 'GET';
    const url = new URL(/"(http[^"]+)"/.exec(line)![1]!);
    const headers = Object.fromEntries(
      [...line.matchAll(/-H "([^:"]+):\s*([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    const body = /-d '([^']*)'/.exec(line)?.[1];
    return { method, url, headers, ...(body === undefined ? {} : { body }) };
  });
}

/** Every JavaScript `fetch` example of a seed (Headers().append lines, JSON.stringify body, method, URL). */
export function fetchCalls(file: string): CurlCall[] {
  const text = readFileSync(seedPath(file), 'utf8');
  return [...text.matchAll(/var myHeaders = new Headers\(\);([\s\S]*?)fetch\("([^"]+)"/g)].map(([, block, url]) => {
    // A browser drops the forbidden request headers (Host, Connection) a snippet may set.
    const headers = Object.fromEntries(
      [...block!.matchAll(/myHeaders\.append\("([^"]+)", "([^"]*)"\)/g)]
        .map((m) => [m[1]!.toLowerCase(), m[2]!])
        .filter(([name]) => name !== 'host' && name !== 'connection'),
    );
    const body = /JSON\.stringify\((\{[\s\S]*?\})\);/.exec(block!)?.[1];
    const method = /method: '(\w+)'/.exec(block!)?.[1] ?? 'GET';
    return { method, url: new URL(url!), headers, ...(body === undefined ? {} : { body: JSON.stringify(JSON.parse(body)) }) };
  });
}
