// The Jepsen workloads in the in-process simulator (sim/simulate.ts): three SQL gateways
// over one kv store, network faults, gateway crashes and clock skew, all in virtual time
// under a seed. Every seed must check valid at SERIALIZABLE; a seed replays exactly (the
// same history twice); and the checkers find what they must when the system is weakened
// (READ COMMITTED; no uncertainty interval under clock skew).
//
// JEPSEN_SIM_SEEDS (default 4) seeds per workload, starting at JEPSEN_SIM_SEED (default 1);
// JEPSEN_SIM_OPS operations per run (default 600). `npm run soak` runs 100 seeds;
// `npm run jepsen:sim -- --seed N --workload W` replays one and writes its history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, simWorkload, SIM_FAULTS, SIM_WORKLOADS, type SimResult } from './sim/simulate.ts';

const seeds = Number(process.env.JEPSEN_SIM_SEEDS ?? 4);
const firstSeed = Number(process.env.JEPSEN_SIM_SEED ?? 1);
const ops = Number(process.env.JEPSEN_SIM_OPS ?? 600);

function describe(r: SimResult): string {
  return `${r.workload} seed ${r.seed} (replay: npm run jepsen:sim -- --workload ${r.workload} --seed ${r.seed} --ops ${ops}): ` +
    `${JSON.stringify(r.check.anomalies).slice(0, 2_000)} counts ${JSON.stringify(r.counts)} errors ${JSON.stringify(r.errors)}`;
}

for (const name of SIM_WORKLOADS) {
  test(`simulator: ${name} stays valid at SERIALIZABLE under network faults, gateway crashes and clock skew (${seeds} seeds)`, { timeout: 30 * 60_000 }, async () => {
    const faultsSeen = new Set<string>();
    let checked = 0;
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const r = await simulate({ seed, workload: simWorkload(name), ops });
      assert.equal(r.check.valid, true, describe(r));
      assert.ok(r.counts.ok >= ops / 4, `too few operations succeeded: ${describe(r)}`);
      for (const e of r.nemesisLog) faultsSeen.add(e.what.split(':')[0] as string);
      checked += r.check.checked;
    }
    assert.ok(checked > 0);
    if (seeds >= 4) for (const f of SIM_FAULTS) assert.ok(faultsSeen.has(f), `no ${f} fault in ${seeds} seeds: ${[...faultsSeen].join(', ')}`);
  });
}

test('simulator: a seed replays exactly (the same history, nemesis log and verdict twice)', async () => {
  for (const name of SIM_WORKLOADS) {
    const a = await simulate({ seed: 7, workload: simWorkload(name), ops: 300 });
    const b = await simulate({ seed: 7, workload: simWorkload(name), ops: 300 });
    assert.ok(a.nemesisLog.length > 0, `${name}: no fault injected`);
    assert.deepEqual(b.events, a.events, `${name}: seed 7 ran differently the second time`);
    assert.deepEqual(b.nemesisLog, a.nemesisLog);
    assert.equal(b.fingerprint, a.fingerprint);
    // And another seed is another run.
    const c = await simulate({ seed: 8, workload: simWorkload(name), ops: 300 });
    assert.notEqual(c.fingerprint, a.fingerprint);
  }
});

test('simulator has teeth: list-append at READ COMMITTED shows G-single or G2, and none of G0/G1', async () => {
  const r = await simulate({ seed: 1, workload: simWorkload('list-append'), ops: 400, isolation: 'read committed', faults: [] });
  const kinds = Object.keys(r.check.anomalies);
  assert.equal(r.check.valid, false);
  assert.ok(kinds.includes('G-single') || kinds.includes('G2'), `anomalies found: ${kinds.join(', ')}`);
  for (const forbidden of ['G0', 'G1a', 'G1b', 'G1c', 'garbage-read', 'duplicate-elements']) {
    assert.ok(!kinds.includes(forbidden), `READ COMMITTED must not show ${forbidden}: ${JSON.stringify(r.check.anomalies[forbidden])}`);
  }
});

test('simulator has teeth: without the read uncertainty interval, clock skew between gateways makes registers nonlinearizable', async () => {
  const off = await simulate({ seed: 1, workload: simWorkload('register'), ops: 600, faults: ['clock'], skewMs: 250, txnConfig: { readUncertaintyMs: 0 } });
  assert.equal(off.check.valid, false, 'stale reads expected with the interval off');
  assert.ok(Object.keys(off.check.anomalies).includes('nonlinearizable'), JSON.stringify(off.check.anomalies).slice(0, 500));
  const on = await simulate({ seed: 1, workload: simWorkload('register'), ops: 600, faults: ['clock'], skewMs: 250 });
  assert.equal(on.check.valid, true, describe(on));
});
