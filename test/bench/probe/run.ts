// Issue 8 ("Hardening"), re-probed as an attacker would, against fresh gateways on real ports:
//   npx tsx test/bench/probe/run.ts            (not part of npm test; several minutes)
// Each gateway is `tsx src/main.ts --data-dir <tmp> --port-* 0 --rate-limits off`, run as a child process whose
// stdout and stderr are kept (every line containing "unhandled" is counted). Phases that leave state behind that
// would distort another (the fuzz renames and deletes users and locks accounts; finding 1 deletes admin) get a
// gateway of their own: A fuzz; I finding 1; B findings 3–7 and the authorization cells; C timing, race, flood,
// slow clients, aborts.
// Knobs: PROBE_FUZZ_N (default 40500 HTTP requests), PROBE_RAW_N (2000 raw-socket messages), PROBE_SEED (8),
// PROBE_CONCURRENCY (16), PROBE_ONLY=fuzz,authz,findings,timing,race,flood,slow,aborts (a subset), PROBE_GATEWAY_ROOT
// (run the gateway from another tree, e.g. a `git archive HEAD` snapshot while others edit this one). Flask body
// 5xx are re-read by CPython's json.loads when python3 is installed (a body CPython refuses is Flask's 400).
import { execSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuthz, type AuthzResult } from './authz.ts';
import { runFuzz, type FuzzResult } from './fuzz.ts';
import { ChildGateway, GATEWAY_ROOT, ROOT } from './lib.ts';
import { aborts, findings, findingsRest, flood, race, slowClients, timing, type Check } from './phases.ts';

const FUZZ_N = Number(process.env.PROBE_FUZZ_N ?? 40_500);
const RAW_N = Number(process.env.PROBE_RAW_N ?? 2_000);
const SEED = Number(process.env.PROBE_SEED ?? 8);
const CONCURRENCY = Number(process.env.PROBE_CONCURRENCY ?? 16);
const ONLY = process.env.PROBE_ONLY?.split(',').map((s) => s.trim());
const on = (phase: string) => !ONLY || ONLY.includes(phase);

const outDir = mkdtempSync(join(tmpdir(), 'dg-probe-results-'));
const started = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const gateways: ChildGateway[] = [];
const start = async (label: string, extra: string[] = []) => {
  const gw = await ChildGateway.start(label, extra);
  gateways.push(gw);
  log(`gateway ${label}: pid ${gw.pid}, ports ${JSON.stringify(gw.ports)}, data ${gw.dataDir}`);
  return gw;
};

const results: Record<string, unknown> = {};
let fuzz: FuzzResult | undefined;
let authz: AuthzResult | undefined;
const checks: Check[] = [];
const observations: Check[] = [];
let timed: Awaited<ReturnType<typeof timing>> | undefined;
let raced: Awaited<ReturnType<typeof race>> | undefined;
let flooded: Awaited<ReturnType<typeof flood>>[] = [];
let slow: Awaited<ReturnType<typeof slowClients>> | undefined;
let aborted: Awaited<ReturnType<typeof aborts>> | undefined;
const load0 = loadavg();

try {
  if (on('fuzz')) {
    const a = await start('A-fuzz');
    log(`phase 1: fuzz, ${FUZZ_N} HTTP requests + ${RAW_N} raw messages, concurrency ${CONCURRENCY}, seed ${SEED}`);
    fuzz = await runFuzz(a, { total: FUZZ_N, raw: RAW_N, seed: SEED, concurrency: CONCURRENCY, outDir, log });
    log(`phase 1 done in ${fuzz.seconds} s`);
  }
  if (on('findings')) {
    const i = await start('I-init');
    log('phase 3: finding 1 (rename/delete admin, then init-password)');
    const f1 = await findings(i);
    checks.push(...f1.checks);
  }
  if (on('findings') || on('authz')) {
    const b = await start('B-authz');
    if (on('findings')) {
      log('phase 3: findings 3, 5, 6, 7');
      const f = await findingsRest(b);
      checks.push(...f.checks);
      observations.push(...f.observations);
    }
    if (on('authz')) {
      log('phase 2: authorization cells');
      authz = await runAuthz(b, log);
    }
  }
  if (on('timing') || on('race') || on('flood') || on('slow') || on('aborts')) {
    const c = await start('C-load');
    if (on('timing')) {
      log('phase 4: login timing (50 × unknown / admin / fresh known user, 1500-byte password, four login routes)');
      timed = await timing(c);
    }
    if (on('race')) {
      log('phase 5: 50 parallel wrong passwords over four dialects');
      raced = await race(c);
    }
    if (on('flood')) {
      for (const shape of ['mixed', 'objects', 'string'] as const) {
        log(`phase 6: flask ~1 MiB body flood (${shape}), 4 clients, 10 s; fastapi health latency`);
        flooded.push(await flood(c, shape));
      }
    }
    const slowP = on('slow') ? (log('phase 7: slow headers and slow bodies on every port (one byte per second)'), slowClients(c)) : undefined;
    if (on('aborts')) {
      log('phase 8: 100 bodies aborted mid-way');
      aborted = await aborts(c);
    }
    if (slowP) slow = await slowP;
  }
} finally {
  for (const gw of gateways) {
    const code = await gw.stop();
    results[`exit ${gw.label}`] = code;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The summary

const L: string[] = [];
const p = (s = '') => L.push(s);
const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
const head = (() => {
  try {
    const git = (args: string) => execSync(`git ${args}`, { cwd: ROOT, encoding: 'utf8' }).trim();
    if (GATEWAY_ROOT !== ROOT) return `gateway from ${GATEWAY_ROOT} (PROBE_GATEWAY_ROOT; this repository's HEAD is ${git('rev-parse --short HEAD')})`;
    return git('rev-parse --short HEAD') + (git('status --porcelain --untracked-files=no') ? ' + uncommitted changes of other engineers in this working tree' : '');
  } catch {
    return '?';
  }
})();
const unhandledTotal = gateways.map((g) => `${g.label} ${g.unhandled().length}`).join(', ');

p('==================== issue 8 re-probe: summary ====================');
p(`host: ${cpus().length} cores, load average ${load0.map((x) => x.toFixed(2)).join('/')} at start, ${loadavg().map((x) => x.toFixed(2)).join('/')} at end; node ${process.version}; gateway code: ${head}`);
p(`total ${Math.round((Date.now() - started) / 1000)} s; full results in ${outDir}`);
p(`"unhandled" lines in the children's stdout+stderr, whole run: ${unhandledTotal}`);
if (fuzz) {
  const f = fuzz;
  const routesHit = Object.keys(f.byRoute).filter((k) => !k.includes(' RAW ')).length;
  p();
  p(`[1] FUZZ: ${f.sent + f.rawSent} requests (${f.sent} HTTP over ${routesHit} route entries of the four dialects + ${f.rawSent} raw-socket messages) in ${f.seconds} s`);
  for (const [d, o] of Object.entries(f.byStatus)) p(`    ${d.padEnd(8)} ${fmt(o)}`);
  p(`    raw      ${fmt(f.rawByStatus)}`);
  const legacyDoc = f.fivexx.filter((x) => x.verdict.legacy && x.verdict.source === 'compat-flask.md');
  const legacyGolden = f.fivexx.filter((x) => x.verdict.legacy && x.verdict.source === 'golden');
  const legacyCode = f.fivexx.filter((x) => x.verdict.legacy && x.verdict.source === 'dialect code comment');
  const bugs = f.fivexx.filter((x) => !x.verdict.legacy);
  p(`    5xx (incl. openapi code:500 on HTTP 200): ${f.fivexx.length} = documented legacy (compat-flask.md) ${legacyDoc.length} + legacy pinned by fixtures/golden ${legacyGolden.length} + legacy per code comment only ${legacyCode.length} + BUG ${bugs.length}`);
  const groups = new Map<string, typeof f.fivexx>();
  for (const x of f.fivexx) {
    const why = x.verdict.why.replace(/\[.*?\]/g, '[…]').replace(/\(\w+\)\s*$/, '');
    const k = `${x.verdict.legacy ? x.verdict.source : 'BUG'} | ${x.d} ${x.route.replace(' /api/auth/', ' (/api)/auth/').replace(' /auth/', ' (/api)/auth/')} → ${x.status}${x.bodyCode ? ` code ${x.bodyCode}` : ''} | ${why}`;
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  for (const [k, xs] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const e = xs[0]!;
    p(`      ${String(xs.length).padStart(5)} × ${k}`);
    // an example request for what is not pinned by the golden files (all of them are in the JSON file)
    if (!(e.verdict.legacy && e.verdict.source === 'golden')) p(`            e.g. #${e.n} ${e.request.method} ${e.request.path.slice(0, 80)} ct=${JSON.stringify(e.request.headers['content-type'] ?? null)} body ${e.request.bodyBytes} B ${e.request.bodyPreview.slice(0, 140)}`);
  }
  if (bugs.length) {
    p(`    every BUG 5xx (first 40; all ${bugs.length} in ${f.file}):`);
    for (const b of bugs.slice(0, 40)) p(`      #${b.n} ${b.d} ${b.request.method} ${b.request.path.slice(0, 100)} headers=${JSON.stringify(b.request.headers).slice(0, 200)} body=${b.request.bodyPreview.slice(0, 200)} notes=${b.request.notes.join('; ')} → ${b.status} ${JSON.stringify(b.response.slice(0, 120))} [${b.verdict.why}]`);
  }
  p(`    cross-check: ${f.cpython}`);
  p(`    every 5xx with its request (body in base64): ${f.file}`);
  p(`    transport errors (no HTTP answer): ${Object.values(f.transport).reduce((a, t) => a + t.count, 0)}`);
  for (const [k, t] of Object.entries(f.transport).sort((a, b) => b[1].count - a[1].count).slice(0, 12)) p(`      ${t.count} × ${k} (e.g. ${t.example.slice(0, 160)})`);
  p(`    re-sent on a fresh connection after a reused keep-alive socket was reset: ${Object.values(f.retried).reduce((a, b) => a + b, 0)} ${JSON.stringify(f.retried)}`);
  p(`    answers that look like a stack trace / internal detail: ${f.leaks.length}${f.leaks.length ? ` e.g. ${JSON.stringify(f.leaks.slice(0, 3))}` : ''}`);
  p(`    the fuzz's own credentials still alive at the end: ${f.deadAtEnd.length ? `NO: ${f.deadAtEnd.join(', ')}` : 'all'}`);
  p(`    "unhandled" lines in the child during the fuzz: ${f.unhandled}${f.unhandled ? ` e.g. ${JSON.stringify(f.unhandledLines.slice(0, 5))}` : ''}`);
}
if (authz) {
  const a = authz;
  p();
  p(`[2] AUTHORIZATION: ${a.cells.length} cells = ${a.routes} protected routes × up to ${a.kinds} credential kinds, ${a.seconds} s`);
  p(`    wrongly granted (success answer to a caller lacking the right): ${a.wronglyGranted.length}`);
  for (const c of a.wronglyGranted) p(`      ${c.route} ← ${c.kind}: ${c.status} ${JSON.stringify(c.code)}`);
  p(`    granted where the documents are ambiguous: ${a.ambiguousGranted.length}`);
  for (const c of a.ambiguousGranted) p(`      ${c.route} ← ${c.kind}: ${c.status} ${JSON.stringify(c.code)}`);
  p(`    refused after passing the credential check (no success, informational): ${a.wronglyPassedGuard.length}`);
  for (const c of a.wronglyPassedGuard.slice(0, 15)) p(`      ${c.route} ← ${c.kind}: ${c.status} ${JSON.stringify(c.code)}`);
  p(`    legit callers refused (should be 0; else the cell is not meaningful): ${a.legitRefused.length}`);
  for (const c of a.legitRefused.slice(0, 20)) p(`      ${c.route} ← ${c.kind}: ${c.status} ${JSON.stringify(c.code)}`);
}
if (checks.length || observations.length) {
  p();
  p('[3] FINDINGS RE-CHECKED');
  for (const c of checks) p(`    ${c.ok ? 'FIXED   ' : 'NOT FIXED'} ${c.id}: ${c.detail}`);
  if (observations.length) p('    cross-door observations (not issue-8 findings; "refused" is the safe outcome):');
  for (const c of observations) p(`    ${c.ok ? 'refused ' : 'ALLOWED '} ${c.id}: ${c.detail}`);
}
if (timed) {
  p();
  p('[4] LOGIN TIMING (medians of 50 interleaved tries, ms; 1500-byte password; client-side wall time on keep-alive)');
  p('    admin is known and, after its 5th failure, locked (the lock costs the same verify now); "fresh" are 50 known, never-locked accounts, one per try');
  p('    route      unknown   admin  Δadmin  ratio |  fresh  Δfresh  ratio | interquartile ranges unknown / admin / fresh | admin answers');
  for (const r of timed.rows) p(`    ${r.d.padEnd(9)} ${String(r.unknown).padStart(7)} ${String(r.admin).padStart(7)} ${String(r.diff).padStart(7)} ${String(r.ratio).padStart(6)} | ${String(r.fresh).padStart(6)} ${String(r.freshDiff).padStart(7)} ${String(r.freshRatio).padStart(6)} | ${r.iqr.unknown.join('–')} / ${r.iqr.admin.join('–')} / ${r.iqr.fresh.join('–')} | ${JSON.stringify(r.adminAnswers)}`);
  p(`    npm run unlock -- --data-dir DIR admin: ${timed.unlock}; admin login afterwards: ${timed.adminAfter}`);
}
if (raced) {
  p();
  p(`[5] LOCKOUT RACE: ${raced.n} parallel wrong passwords for "racer" over fastapi/flask/v1auth/openapi`);
  p(`    evaluated before the lock (audit login.failure:bad_password): ${raced.evaluated} (should be 5); refused as locked (audit login.locked): ${raced.lockedRefusals}`);
  p(`    by answer text: wrong-password ${raced.wrongByAnswer}, locked ${raced.lockedByAnswer}, openapi (20101 either way) ${raced.ambiguous}; ${JSON.stringify(raced.tally)}`);
  p(`    then the correct password: ${raced.rightRefused ? 'refused everywhere' : 'ACCEPTED somewhere'} (${raced.right.join('; ')})`);
}
if (flooded.length) {
  p();
  p('[6] FLASK FLOOD: 4 clients post ~1 MiB valid JSON to flask /api/auth/login for 10 s (empty username: a business failure after the parse); fastapi GET /api/v1/base/health latency, one client, back to back');
  p('    the figure asked for is "mixed" (small objects, \\u escapes incl. a surrogate pair, raw non-ASCII); "objects" and "string" isolate the two costly shapes');
  for (const f of flooded) {
    p(`    ${f.shape.padEnd(7)} ${f.bodyBytes} B, one request alone ${f.singleMs} ms (${f.checkAnswer.slice(0, 40)}…); flood ${f.flaskRequests} requests = ${f.flaskPerSecond}/s, ${f.flaskMiBps} MiB/s ${JSON.stringify(f.flaskStatuses)}`);
    p(`            health quiet n=${f.quiet.n} p50 ${f.quiet.p50} / p99 ${f.quiet.p99} / max ${f.quiet.max} ms;  during the flood n=${f.during.n} p50 ${f.during.p50} / p99 ${f.during.p99} / max ${f.during.max} ms  (p99 < 10 ms: ${f.during.p99 < 10 ? 'met' : 'NOT met'})`);
  }
}
if (slow) {
  p();
  p('[7] SLOW CLIENTS (one byte per second; defaults 10 s headers / 30 s request)');
  for (const c of slow) p(`    ${c.d.padEnd(8)} ${c.kind.padEnd(12)} cut after ${String(c.seconds).padStart(6)} s, ${c.bytesSent} B sent, answer: ${c.answer}`);
}
if (aborted) {
  p();
  p(`[8] ABORTS: ${aborted.n} bodies aborted mid-way (${JSON.stringify(aborted.ways)}; 1 in 5 chunked) over 8 body routes of the four dialects`);
  p(`    "unhandled" lines in the child afterwards: ${aborted.unhandled}${aborted.unhandled ? ` ${JSON.stringify(aborted.unhandledLines)}` : ''}; other stderr lines: ${aborted.stderrLines}${aborted.stderrLines ? ` ${JSON.stringify(aborted.stderrSample)}` : ''}; health afterwards ${aborted.healthAfter}`);
}
p();
p(`child exit codes: ${JSON.stringify(results)}`);
p('====================================================================');
const summary = L.join('\n');
writeFileSync(join(outDir, 'summary.txt'), summary + '\n');
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ fuzz: fuzz && { ...fuzz, fivexx: undefined }, authz, checks, observations, timed, raced, flooded, slow, aborted }, null, 1));
for (const gw of gateways) writeFileSync(join(outDir, `${gw.label}.log`), gw.lines.map((l) => `${new Date(l.at).toISOString()} ${l.stream} ${l.text}`).join('\n') + '\n');
console.log('\n' + summary);
