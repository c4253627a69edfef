// The store's lock mirror and newest-version cache must be invisible: random histories of
// writes, intents, commits, aborts, deletes, delete-ranges, one-phase commits and reads at
// random timestamps give exactly the same answers with the caches off, on, and so small
// that they evict (and the lock mirror switches itself off) all the time. A restart over
// the same engine reloads the mirror and must still agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createLocalKv,
  openEngine,
  type BatchHeader,
  type Engine,
  type KvConfig,
  type KvRequest,
  type LocalKv,
  type TxnMeta,
} from '../../src/kv/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { enc, tk, ts, txn } from './helpers.ts';

const keys = ['a', 'a\x00', 'ab', 'b', 'b\x00\x00', 'c'];

interface Variant {
  readonly engine: Engine;
  kv: LocalKv;
  readonly config: Partial<KvConfig>;
}

const variants: readonly Partial<KvConfig>[] = [
  { mvccCacheBytesMax: 0, lockMirrorBytesMax: 0 },
  {},
  { mvccCacheBytesMax: 330, lockMirrorBytesMax: 400 },
];

const cmd = fc.record({
  kind: fc.constantFrom('put', 'delete', 'cput', 'txn-put', 'txn-delete', 'commit', 'abort', 'one-phase', 'delete-range', 'get', 'txn-get', 'scan', 'resolve'),
  key: fc.constantFrom(...keys),
  key2: fc.constantFrom(...keys),
  value: fc.string({ maxLength: 40 }),
  txn: fc.integer({ min: 1, max: 3 }),
  /** Offset of the timestamp from the current wall: negative ones read (or write) the past. */
  dt: fc.integer({ min: -6, max: 3 }),
});
type Cmd = typeof cmd extends fc.Arbitrary<infer T> ? T : never;

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? [...x] : x));

/** Builds the batch for one command; null when it makes no sense now (no open txn). */
function batchOf(c: Cmd, wall: number, txns: Map<number, TxnMeta>, writes: Map<number, string[]>): { header: BatchHeader; requests: KvRequest[] } | null {
  const at = ts(Math.max(1, wall + c.dt));
  const key = tk(c.key);
  const open = txns.get(c.txn);
  const [lo, hi] = [c.key, c.key2].sort();
  const spanOf = (ks: readonly string[]) => ks.map((k) => ({ startKey: tk(k), endKey: Uint8Array.from([...tk(k), 0]) }));
  switch (c.kind) {
    case 'put':
      return { header: { timestamp: at, txn: null }, requests: [{ kind: 'put', key, value: enc(c.value) }] };
    case 'delete':
      return { header: { timestamp: at, txn: null }, requests: [{ kind: 'delete', key }] };
    case 'cput':
      return { header: { timestamp: at, txn: null }, requests: [{ kind: 'conditional-put', key, value: enc(c.value), expected: 'absent' }] };
    case 'txn-put':
    case 'txn-delete': {
      const meta = open ?? txn(c.txn, c.key, at);
      txns.set(c.txn, meta);
      writes.set(c.txn, [...(writes.get(c.txn) ?? []), c.key]);
      const req: KvRequest = c.kind === 'txn-put' ? { kind: 'put', key, value: enc(c.value) } : { kind: 'delete', key };
      return { header: { timestamp: meta.writeTimestamp, txn: meta }, requests: [req] };
    }
    case 'commit':
    case 'abort': {
      if (open === undefined) return null;
      txns.delete(c.txn);
      const lockSpans = spanOf(writes.get(c.txn) ?? []);
      writes.delete(c.txn);
      return { header: { timestamp: open.writeTimestamp, txn: open }, requests: [{ kind: 'end-txn', commit: c.kind === 'commit', lockSpans, onePhase: false }] };
    }
    case 'one-phase': {
      const meta = txn(10 + c.txn, c.key, at);
      return {
        header: { timestamp: at, txn: meta },
        requests: [
          { kind: 'put', key, value: enc(c.value) },
          { kind: 'conditional-put', key: tk(c.key2), value: enc(c.value), expected: 'absent' },
          { kind: 'end-txn', commit: true, lockSpans: spanOf([c.key, c.key2]), onePhase: true },
        ],
      };
    }
    case 'delete-range':
      return { header: { timestamp: at, txn: null }, requests: [{ kind: 'delete-range', span: { startKey: tk(lo as string), endKey: tk(`${hi as string}\x01`) } }] };
    case 'get':
      return { header: { timestamp: at, txn: null }, requests: [{ kind: 'get', key }, { kind: 'get', key: tk(c.key2) }] };
    case 'txn-get':
      if (open === undefined) return null;
      return { header: { timestamp: open.writeTimestamp, txn: open }, requests: [{ kind: 'get', key }] };
    case 'scan':
      return { header: { timestamp: at, txn: null }, requests: [{ kind: 'scan', span: { startKey: tk(lo as string), endKey: tk(`${hi as string}\x01`) } }] };
    case 'resolve': {
      if (open === undefined) return null;
      // A pusher resolving one intent of a txn it found finished (commit at a later ts).
      return {
        header: { timestamp: at, txn: null },
        requests: [{ kind: 'resolve-intent', span: spanOf([c.key])[0]!, txn: open, status: c.dt >= 0 ? 'committed' : 'aborted', commitTimestamp: ts(wall) }],
      };
    }
  }
}

async function openVariants(clock: ManualClock): Promise<Variant[]> {
  const out: Variant[] = [];
  for (const config of variants) {
    const engine = await openEngine({ memory: true });
    out.push({ engine, config, kv: await createLocalKv(testEnv(1, clock), engine, config) });
  }
  return out;
}

async function sendAll(vs: readonly Variant[], header: BatchHeader, requests: KvRequest[], what: string): Promise<void> {
  const answers: string[] = [];
  for (const v of vs) answers.push(show(await v.kv.sender.send({ header, requests })));
  for (let i = 1; i < answers.length; i++) assert.equal(answers[i], answers[0], `${what}: variant ${i} differs from the uncached store`);
}

test('the lock mirror and version cache answer exactly what the engine would', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 60 }), async (cmds) => {
      const clock = new ManualClock();
      const vs = await openVariants(clock);
      const txns = new Map<number, TxnMeta>();
      const writes = new Map<number, string[]>();
      let wall = 10;
      try {
        for (const [i, c] of cmds.entries()) {
          wall += 1;
          clock.advance(1);
          const b = batchOf(c, wall, txns, writes);
          if (b !== null) await sendAll(vs, b.header, b.requests, `step ${i} ${c.kind}`);
        }
        // Restart every store over its engine: the mirror is reloaded from the lock table.
        for (const v of vs) {
          await v.kv.close();
          v.kv = await createLocalKv(testEnv(1, clock), v.engine, v.config);
        }
        for (const k of keys) {
          for (const w of [1, wall - 5, wall, wall + 100]) await sendAll(vs, { timestamp: ts(Math.max(1, w)), txn: null }, [{ kind: 'get', key: tk(k) }], `final get ${k}@${w}`);
        }
      } finally {
        for (const v of vs) {
          await v.kv.close();
          await v.engine.close();
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('the version cache stays within its byte limit and is filled by reads', async () => {
  const clock = new ManualClock();
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(testEnv(1, clock), engine, { mvccCacheBytesMax: 2_000 });
  const cache = kv.store.mvccCache;
  for (let i = 0; i < 50; i++) {
    const res = await kv.sender.send({ header: { timestamp: ts(5), txn: null }, requests: [{ kind: 'put', key: tk(`k${i}`), value: enc('v'.repeat(20)) }] });
    assert.ok(res.ok);
  }
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 50; i++) {
      const res = await kv.sender.send({ header: { timestamp: ts(10), txn: null }, requests: [{ kind: 'get', key: tk(`k${i}`) }] });
      assert.ok(res.ok);
      assert.ok(cache.versionCacheBytes <= 2_000, 'cache over its limit');
    }
  }
  assert.ok(cache.stats.evictions > 0, 'a small cache evicts');
  const before = cache.stats.versionHits;
  await kv.sender.send({ header: { timestamp: ts(10), txn: null }, requests: [{ kind: 'get', key: tk('k49') }] });
  assert.equal(cache.stats.versionHits, before + 1, 'a recently read key is answered from memory');
  await kv.close();
  await engine.close();
});
