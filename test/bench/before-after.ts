// The SQLite hot path before and after a change, in one run (issue 9 item 8: the Store port must not have slowed
// the SQLite reads). Two gateways, one started from each source tree, and the bare app; the four authenticated
// reads are loaded round by round: bare, then the two trees (their order alternating between rounds). One JSON line
// per read with ratio_after_to_before (req/s; above 1 = faster after) and each tree's medians.
//
//   git worktree add /tmp/dg-before 0c659e9          # the tree before the Store port
//   ln -s /work/main/node_modules /tmp/dg-before/node_modules
//   npx tsx test/bench/before-after.ts /tmp/dg-before [after-tree]   # after: this repository unless given
//   rm /tmp/dg-before/node_modules && git worktree remove /tmp/dg-before
//
// (A `git worktree add /tmp/dg-after HEAD` as the second argument keeps work in progress in this tree out of the
// figures.) BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS as in npm run bench; BENCH_ONLY selects reads by name.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  CONNECTIONS, ROOT, ROUNDS, SECONDS, adminTokens, authenticatedReads, checkReads, emit, load, load1, loadLine, median, medians, r3, selected, startBare, startGateway,
  type Figures, type Gateway, type Scenario,
} from './harness.ts';

const [beforeArg, afterArg] = process.argv.slice(2);
if (!beforeArg) {
  console.error('usage: npx tsx test/bench/before-after.ts <before-tree> [after-tree (default: this repository)]');
  process.exit(2);
}
const trees = { before: resolve(beforeArg), after: resolve(afterArg ?? ROOT) };
for (const t of Object.values(trees)) {
  if (!existsSync(resolve(t, 'src/main.ts')) || !existsSync(resolve(t, 'node_modules'))) {
    console.error(`${t}: no src/main.ts or no node_modules (symlink this repository's: ln -s ${ROOT}/node_modules ${t}/node_modules)`);
    process.exit(2);
  }
}
const commit = (t: string) => {
  try {
    return execFileSync('git', ['-C', t, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim().slice(0, 80);
  } catch {
    return 'not a git tree';
  }
};

loadLine('start of before/after');
const bare = await startBare();
const gws: Partial<Record<'before' | 'after', Gateway>> = {};
try {
  gws.before = await startGateway('before', [], trees.before);
  gws.after = await startGateway('after', [], trees.after);
  const g = gws as Record<'before' | 'after', Gateway>;
  emit({ scenario: 'before/after: trees', before: `${trees.before} (${commit(trees.before)})`, after: `${trees.after} (${commit(trees.after)})`, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
  const reads = { before: authenticatedReads(g.before, await adminTokens(g.before)), after: authenticatedReads(g.after, await adminTokens(g.after)) };
  await checkReads([...reads.before, ...reads.after]);
  const bareScenario: Scenario = { name: 'bare hono', url: bare.url };
  for (let i = 0; i < reads.after.length; i++) {
    const name = reads.after[i]!.name;
    if (!selected(name)) continue;
    await load(bareScenario, [bare.child.pid!], 2);
    for (const t of ['before', 'after'] as const) await load(reads[t][i]!, [g[t].pid], 2); // warm-up
    const runs = { bare: [] as Figures[], before: [] as Figures[], after: [] as Figures[] };
    const loads: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(load1());
      runs.bare.push(await load(bareScenario, [bare.child.pid!]));
      for (const t of r % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) runs[t].push(await load(reads[t][i]!, [g[t].pid]));
    }
    const m = { bare: medians(runs.bare), before: medians(runs.before), after: medians(runs.after) };
    emit({
      scenario: `before/after (SQLite): ${name}`,
      ratio_after_to_before: r3(m.after.rps / m.before.rps),
      cpu_after_to_before: r3(m.after.cpu_us_per_req / m.before.cpu_us_per_req),
      before_to_bare: r3(m.before.rps / m.bare.rps),
      after_to_bare: r3(m.after.rps / m.bare.rps),
      bare_rps: m.bare.rps,
      before: m.before,
      after: m.after,
      load_1min: median(loads),
    });
  }
} finally {
  bare.child.kill('SIGTERM');
  await Promise.all(Object.values(gws).map((gw) => gw.stop()));
  loadLine('end of before/after');
}
