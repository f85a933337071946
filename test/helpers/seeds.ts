import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CurlCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export const seedPath = (file: string) => fileURLToPath(new URL(`../../fixtures/seeds/${file}`, import.meta.url));

/** Shell words of one command from `from`: quotes kept together, `\`-newline joined; ends at an unquoted newline. */
function shellWords(text: string, from: number): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else word = (word ?? '') + ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && text[i + 1] === '\n') i++;
    else if (ch === '\n' || ch === ' ' || ch === '\t') {
      if (word !== null) words.push(word);
      word = null;
      if (ch === '\n') break;
    } else word = (word ?? '') + ch;
  }
  if (word !== null) words.push(word);
  return words;
}

/** Every `curl` example of a seed document, as a client would send it (-X/--request, -H/--header, -d/--data). */
export function curlCalls(file: string): CurlCall[] {
  const text = readFileSync(seedPath(file), 'utf8');
  return [...text.matchAll(/^curl /gm)].map((m) => {
    const words = shellWords(text, m.index!);
    let method: string | undefined;
    let url: URL | undefined;
    let body: string | undefined;
    const headers: Record<string, string> = {};
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      if (w === '-X' || w === '--request') method = words[++i];
      else if (w === '-H' || w === '--header') {
        const [name, ...value] = words[++i]!.split(':');
        headers[name!.trim().toLowerCase()] = value.join(':').trim();
      } else if (w === '-d' || w === '--data' || w === '--data-raw') body = words[++i];
      else if (/^https?:\/\//.test(w)) url = new URL(w);
    }
    return { method: method ?? (body === undefined ? 'GET' : 'POST'), url: url!, headers, ...(body === undefined ? {} : { body }) };
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
