// The listener layers' cost (control-plane.md §4): fastapi userinfo with the journal on, with the journal off, and
// with one fault rule that does not match it, each as a ratio to the bare Hono app (measured in the same rounds, as
// run.ts does) and to the same app with no layers, in the same process (test/bench/layers-app.ts). CPU per request
// is the steadier figure on a shared machine. `npx tsx test/bench/layers.ts`, and the end of `npm run bench`.
import { emit, load, medians, ROUNDS, selected, start, startBare, type Figures } from './harness.ts';

const NAMES = ['journal on', 'journal off', 'one non-matching fault rule'];
const scenario = (variant: string) => `fastapi userinfo, ${variant}`;

if (NAMES.some((n) => selected(scenario(n)))) {
  const bare = await startBare();
  const child = await start(['test/bench/layers-app.ts'], (l) => l === 'layers ready');
  try {
    // `layers <variant> <url>`: the variant may have spaces, the URL has none.
    const urls = Object.fromEntries(child.lines.filter((l) => / http:\/\//.test(l)).map((l) => [l.slice('layers '.length, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)]));
    const login = await fetch(`${urls.plain}/api/v1/base/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'password123' }) });
    const headers = { authorization: `Bearer ${((await login.json()) as { data: { access_token: string } }).data.access_token}` };
    const userinfo = (variant: string) => ({ name: scenario(variant), url: `${urls[variant]}/api/v1/base/userinfo`, headers });
    for (const v of ['plain', ...NAMES]) {
      const r = await fetch(userinfo(v).url, { headers });
      if (r.status !== 200) throw new Error(`${v}: userinfo answered ${r.status}`);
      await load(userinfo(v), [child.child.pid!], 2); // warm-up
    }
    // Every round loads the bare app, the app without layers and each variant in turn, so drift on a shared
    // machine hits them alike; the medians over the rounds are compared.
    const bareScenario = { name: 'bare hono', url: bare.url };
    const measured = NAMES.filter((n) => selected(scenario(n)));
    const runs: Record<string, Figures[]> = { bare: [], plain: [], ...Object.fromEntries(measured.map((n) => [n, []])) };
    for (let i = 0; i < ROUNDS; i++) {
      runs.bare!.push(await load(bareScenario, [bare.child.pid!]));
      for (const v of ['plain', ...measured]) runs[v]!.push(await load(userinfo(v), [child.child.pid!]));
    }
    const [b, p] = [medians(runs.bare!), medians(runs.plain!)];
    for (const v of measured) {
      const m = medians(runs[v]!);
      emit({ scenario: scenario(v), ...m, ratio: Number((m.rps / b.rps).toFixed(3)), ratio_to_no_layers: Number((m.rps / p.rps).toFixed(3)), no_layers_rps: p.rps, no_layers_ratio: Number((p.rps / b.rps).toFixed(3)), no_layers_cpu_us_per_req: p.cpu_us_per_req, bare_rps: b.rps });
    }
  } finally {
    bare.child.kill('SIGTERM');
    child.child.kill('SIGTERM');
  }
}
