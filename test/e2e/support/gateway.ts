// Gateway processes started through the real entry point (src/main.ts), for e2e tests that need several of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const DIALECTS = ['fastapi', 'flask', 'v1auth', 'openapi'] as const;
export type Dialect = (typeof DIALECTS)[number];
export const FREE_PORTS = DIALECTS.flatMap((n) => [`--port-${n}`, '0']);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Each dialect's base URL, from the start-up lines. */
  urls: Record<Dialect, string>;
  /** Everything the process wrote so far (stdout and stderr interleaved), for assertion messages. */
  output(): string;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  alive(): boolean;
  /** SIGTERM (graceful: in-flight requests finish, usage is flushed, the store closed), then its exit. */
  stop(): Promise<Exit>;
  /** SIGKILL (no clean-up at all), then its exit. */
  kill(): Promise<Exit>;
}

const started = new Set<ChildProcess>();
const killStarted = () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
// A worker that dies without running afterAll must not leave gateways behind.
process.once('exit', killStarted);

/** SIGKILLs every process started through this module that is still running (afterAll; idempotent). */
export async function killAll(): Promise<void> {
  const running = [...started].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(running.map((c) => new Promise<void>((r) => {
    c.once('exit', () => r());
    c.kill('SIGKILL');
  })));
}

/**
 * `node --import tsx src/main.ts <args>` (what `npx tsx src/main.ts` runs, without npx's extra process in between,
 * so a signal reaches the gateway itself). Resolves once it printed `ready in …`; rejects with its output if it
 * exits first or is not ready within `timeoutMs`.
 */
export function startGateway(name: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
  const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signal = (s: NodeJS.Signals) => {
    if (alive()) child.kill(s);
    return exited;
  };
  const urls: Partial<Record<Dialect, string>> = {};
  return new Promise<GatewayProcess>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready after ${opts.timeoutMs ?? 60_000} ms:\n${text}`));
    }, opts.timeoutMs ?? 60_000);
    void exited.then((e) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited (${e.code ?? e.signal}) before it was ready:\n${text}`));
    });
    // Keep reading after `ready`: a full stdout pipe would block the child.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      text += `${line}\n`;
      const m = /^(\w+)\s+(http:\/\/\S+)$/.exec(line);
      if (m) urls[m[1] as Dialect] = m[2]!;
      if (!ready && line.startsWith('ready in')) {
        ready = true;
        clearTimeout(timer);
        resolve({ name, child, pid: child.pid!, urls: urls as Record<Dialect, string>, output: () => text, exited, alive, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') });
      }
    });
  });
}

/** Runs the entry point to its exit (for start-ups that must fail); its exit code and everything it wrote. */
export function runToExit(args: string[], timeoutMs = 60_000): Promise<Exit & { output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((r) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      r({ code, signal, output });
    }),
  );
}
