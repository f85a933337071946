// JSON over real sockets: every answer as its status and parsed body (text when it is not JSON).

export interface Answer {
  status: number;
  /** Parsed JSON (each dialect has its own envelope), or the text. */
  body: any;
}

export interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  bearer?: string;
}

/** One request; GET without a body, POST with one unless `method` says otherwise. */
export async function call(url: string, init: CallInit = {}): Promise<Answer> {
  const r = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...(init.bearer !== undefined && { authorization: `Bearer ${init.bearer}` }),
      ...init.headers,
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Median and maximum of a list of figures. */
export function summary(xs: number[]): { n: number; median: number; p90: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, median: s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2, p90: at(0.9), max: s[s.length - 1]! };
}
