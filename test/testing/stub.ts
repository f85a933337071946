// A stand-in admin plane on a free loopback port that records every request and answers what the test sets.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Stub {
  url: string;
  seen: Seen[];
  /** What the stub answers next (default 200 `{}`); `hold` keeps the request open without answering. */
  answer: { status: number; type?: string; body: string | Buffer; hold?: boolean };
  /** The last request, its body parsed as JSON (undefined when empty). */
  last(): { method: string; url: string; body: unknown };
  close(): Promise<void>;
}

export async function startStub(): Promise<Stub> {
  let server: Server;
  const stub: Stub = {
    url: '',
    seen: [],
    answer: { status: 200, body: '{}' },
    last() {
      const s = stub.seen.at(-1)!;
      return { method: s.method, url: s.url, body: s.body.length ? (JSON.parse(s.body.toString()) as unknown) : undefined };
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stub.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      const a = stub.answer;
      if (a.hold) return;
      res.writeHead(a.status, a.status === 204 ? {} : { 'content-type': a.type ?? 'application/json; charset=utf-8' });
      res.end(a.status === 204 ? undefined : a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
