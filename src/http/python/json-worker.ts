// The worker thread behind pyJsonLoadsOffThread: CPython's json.loads on a big body, the top level sent back.
import { parentPort } from 'node:worker_threads';
import { pyJsonLoads, PyRecursionError } from './json.ts';
import { topLevel } from './top-level.ts';

parentPort!.on('message', ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  try {
    const r = pyJsonLoads(bytes);
    parentPort!.postMessage({ id, result: r.ok ? { ok: true, value: topLevel(r.value) } : r });
  } catch (e) {
    parentPort!.postMessage({ id, recursion: e instanceof PyRecursionError });
  }
});
