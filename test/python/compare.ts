// Differential check of pyJsonLoads against CPython's own json.loads(bytes), run by hand (not part of npm test):
//   npx tsx test/python/compare.ts [count=20000] [seed=1]
// Generates the inputs of test/helpers/json-corpus.ts, has python3 parse each one, and compares outcome by outcome:
// the value (ints and floats as the emulation represents them: one JS number; strings as UTF-16 code units; dicts
// as key/value sets, since JS objects put integer-like keys first), the exact error text, or RecursionError.
// Exits 1 on any mismatch, 0 (with a note) when python3 is missing.
//
// One gap is known and kept out of the count (KNOWN below, reported on its own): a surrogate pair written as two
// surrogatepass-encoded halves (ED A0 80 ED B0 80) decodes to the same JS string as the astral character, so an
// error position after it counts one code point where CPython counts two.
import { spawnSync } from 'node:child_process';
import { pyJsonLoads, pyJsonLoadsEmulated, pyJsonLoadsNative, PyRecursionError, type PyJsonResult } from '../../src/http/python/json.ts';
import { jsonCorpus } from '../helpers/json-corpus.ts';

const count = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? 1);

const PYTHON = String.raw`
import json, sys
def canon(v):
    if v is None: return ['null']
    if v is True or v is False: return ['bool', v]
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float): return ['float', 'nan' if v != v else repr(v)]
    if isinstance(v, str): return ['str', v.encode('utf-16-le', 'surrogatepass').hex()]
    if isinstance(v, list): return ['list', [canon(x) for x in v]]
    return ['dict', sorted([k.encode('utf-16-le', 'surrogatepass').hex(), canon(x)] for k, x in v.items())]
out = []
for line in sys.stdin:
    sys.setrecursionlimit(1000)
    data = bytes.fromhex(line.strip())
    try:
        v = json.loads(data)
    except RecursionError:
        out.append(json.dumps(['recursion']))
        continue
    except ValueError as e:
        out.append(json.dumps(['error', str(e)]))
        continue
    sys.setrecursionlimit(20000)
    out.append(json.dumps(['ok', canon(v)]))
sys.stdout.write('\n'.join(out))
`;

type Py = ['recursion'] | ['error', string] | ['ok', unknown];

const which = spawnSync('python3', ['--version'], { encoding: 'utf8' });
if (which.error || which.status !== 0) {
  console.log('python3 not found: skipped');
  process.exit(0);
}

const KNOWN = ['22eda080edb0802278', '5b22eda080edb080222c5d'];
const corpus = [...jsonCorpus(count, seed), ...KNOWN.map((hex) => ({ kind: 'known gap (not counted)', bytes: new Uint8Array(Buffer.from(hex, 'hex')) }))];
const started = performance.now();
const py = spawnSync('python3', ['-c', PYTHON], {
  input: corpus.map((c) => Buffer.from(c.bytes).toString('hex')).join('\n') + '\n',
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
if (py.status !== 0) throw new Error(`python3 failed: ${py.stderr}`);
const expected = py.stdout.split('\n').map((l) => JSON.parse(l) as Py);
if (expected.length !== corpus.length) throw new Error(`python3 answered ${expected.length} of ${corpus.length}`);
const pythonMs = performance.now() - started;

const hex16 = (s: string) => Buffer.from(s, 'utf16le').toString('hex');
const pyFloat = (r: string) => (r === 'nan' ? NaN : r === 'inf' ? Infinity : r === '-inf' ? -Infinity : Number(r));

/** Whether our value is CPython's, as far as the JS representation can tell. */
function same(ours: unknown, theirs: any): boolean {
  switch (theirs[0]) {
    case 'null':
      return ours === null;
    case 'bool':
      return ours === theirs[1];
    case 'int':
      return typeof ours === 'number' && ours === Number(theirs[1]);
    case 'float':
      return typeof ours === 'number' && Object.is(ours, pyFloat(theirs[1]));
    case 'str':
      return typeof ours === 'string' && hex16(ours) === theirs[1];
    case 'list':
      return Array.isArray(ours) && ours.length === theirs[1].length && ours.every((x, i) => same(x, theirs[1][i]));
    case 'dict': {
      if (ours === null || typeof ours !== 'object' || Array.isArray(ours) || Object.getPrototypeOf(ours) !== null) return false;
      const mine = Object.keys(ours).map((k) => [hex16(k), (ours as Record<string, unknown>)[k]] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return mine.length === theirs[1].length && mine.every(([k, v], i) => k === theirs[1][i][0] && same(v, theirs[1][i][1]));
    }
  }
  return false;
}

function run(loads: (b: Uint8Array) => PyJsonResult, input: Uint8Array): { r?: PyJsonResult; recursion?: true; crash?: string } {
  try {
    return { r: loads(input) };
  } catch (e) {
    return e instanceof PyRecursionError ? { recursion: true } : { crash: String(e) };
  }
}

function agrees(got: ReturnType<typeof run>, want: Py): boolean {
  if (want[0] === 'recursion') return got.recursion === true;
  if (!got.r) return false;
  if (want[0] === 'error') return !got.r.ok && got.r.error === want[1];
  return got.r.ok && same(got.r.value, want[1]);
}

const t0 = performance.now();
const byKind = new Map<string, { n: number; native: number; mismatches: number }>();
const samples: string[] = [];
let mismatches = 0;
let emulatorMismatches = 0;
let native = 0;
let totalBytes = 0;
corpus.forEach(({ kind, bytes }, i) => {
  const k = byKind.get(kind) ?? { n: 0, native: 0, mismatches: 0 };
  byKind.set(kind, k);
  k.n++;
  totalBytes += bytes.length;
  const want = expected[i]!;
  if (pyJsonLoadsNative(bytes) !== undefined) {
    k.native++;
    native++;
  }
  const got = run(pyJsonLoads, bytes);
  if (kind.startsWith('known gap')) {
    if (!agrees(got, want)) k.mismatches++;
    return;
  }
  if (!agrees(got, want)) {
    k.mismatches++;
    mismatches++;
    if (samples.length < 15) {
      const ours = got.recursion ? 'RecursionError' : got.crash ?? (got.r!.ok ? 'ok' : got.r!.error);
      samples.push(`${kind} ${Buffer.from(bytes).toString('hex').slice(0, 120)}\n    CPython: ${JSON.stringify(want).slice(0, 200)}\n    ours:    ${ours.slice(0, 200)}`);
    }
  }
  if (!agrees(run(pyJsonLoadsEmulated, bytes), want)) emulatorMismatches++;
});

console.log(`${count} inputs (${(totalBytes / 1048576).toFixed(1)} MiB, seed ${seed}); CPython answered in ${Math.round(pythonMs)} ms, ours in ${Math.round(performance.now() - t0)} ms (both paths)`);
for (const [kind, k] of byKind) console.log(`  ${kind.padEnd(16)} ${String(k.n).padStart(6)} inputs, ${String(k.native).padStart(6)} on the native path, ${k.mismatches} mismatches`);
const outcomes = ['ok', 'error', 'recursion'].map((o) => `${expected.filter((e) => e[0] === o).length} ${o}`).join(', ');
console.log(`CPython's outcomes: ${outcomes}`);
console.log(`pyJsonLoads: ${mismatches} mismatches; emulation alone: ${emulatorMismatches}; native path taken for ${native}`);
for (const s of samples) console.log(`  ${s}`);
process.exit(mismatches + emulatorMismatches === 0 ? 0 : 1);
