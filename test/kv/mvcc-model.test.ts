// MVCC against a model: random non-transactional histories, then reads at random
// timestamps (get, scan forward/reverse with limits) must match the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dec, enc, kvFixture, ok, tk, ts, untk } from './helpers.ts';

const keys = ['a', 'a\x00', 'ab', 'b', 'b\x00\x00', 'c'];

type Op = { key: string; wall: number; value: string | null };

function modelAt(ops: readonly Op[], wall: number): Map<string, string> {
  const latest = new Map<string, { wall: number; value: string | null }>();
  for (const op of ops) {
    const cur = latest.get(op.key);
    if (op.wall <= wall && (cur === undefined || op.wall >= cur.wall)) latest.set(op.key, op);
  }
  const out = new Map<string, string>();
  for (const [k, v] of [...latest.entries()].sort(([x], [y]) => Buffer.compare(Buffer.from(tk(x)), Buffer.from(tk(y))))) {
    if (v.value !== null) out.set(k, v.value);
  }
  return out;
}

test('MVCC reads match a model of random histories', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ key: fc.constantFrom(...keys), value: fc.option(fc.string({ maxLength: 3 }), { nil: null }) }), { maxLength: 25 }),
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 4 }),
      async (writes, readWalls, limit) => {
        const f = await kvFixture();
        // Writes go in increasing timestamps per key (a write below a version is refused).
        const ops: Op[] = writes.map((w, i) => ({ ...w, wall: i + 1 }));
        for (const op of ops) {
          ok(await f.send({ timestamp: ts(op.wall) }, op.value === null ? { kind: 'delete', key: tk(op.key) } : { kind: 'put', key: tk(op.key), value: enc(op.value) }));
        }
        for (const wall of readWalls) {
          const model = modelAt(ops, wall);
          for (const k of keys) {
            const r = ok(await f.send({ timestamp: ts(wall) }, { kind: 'get', key: tk(k) }))[0];
            assert.ok(r?.kind === 'get');
            assert.equal(dec(r.value), model.get(k) ?? null, `get ${JSON.stringify(k)} at ${wall}`);
          }
          for (const reverse of [false, true]) {
            const r = ok(await f.send({ timestamp: ts(wall) }, { kind: 'scan', span: { startKey: tk(''), endKey: tk('z') }, reverse, limit }))[0];
            assert.ok(r?.kind === 'scan');
            let want = [...model.entries()].map(([k, v]) => `${k}=${v}`);
            if (reverse) want.reverse();
            if (limit > 0) want = want.slice(0, limit);
            assert.deepEqual(r.rows.map((x) => `${untk(x.key)}=${dec(x.value)}`), want);
          }
        }
        await f.close();
      },
    ),
    { numRuns: 60, seed: 42 },
  );
});

test('replica latches: concurrent conditional puts on one key, exactly one wins', async () => {
  const f = await kvFixture();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => f.send({ timestamp: ts(100 + i) }, { kind: 'conditional-put', key: tk('once'), value: enc(`${i}`), expected: 'absent' })),
  );
  const winners = results.filter((r) => Array.isArray(r));
  assert.equal(winners.length, 1);
  for (const r of results) if (!Array.isArray(r)) assert.ok(['condition-failed', 'write-too-old'].includes((r as { kind: string }).kind));
  await f.close();
});
