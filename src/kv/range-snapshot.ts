/**
 * A range's replicated data as a Raft snapshot: every engine key of the range (MVCC
 * versions, intents, txn records) plus its descriptor and lease. Built by the leader's
 * driver between cycles, installed by a receiver in one batch that first clears what the
 * range held.
 */
import { maxKey } from './bytes.ts';
import { ByteReader, ByteWriter } from './codec.ts';
import type { EngineReader, WriteBatch } from './engine.ts';
import { escapeKey, LOCAL_LOCK_MARKER, LOCAL_PREFIX, LOCAL_TXN_MARKER, META_PREFIX } from './keys.ts';
import { decodeLease, encodeLease, type Lease } from './lease.ts';
import { decodeRangeDescriptor, encodeRangeDescriptor, type RangeDescriptor } from './range-descriptor.ts';

/** The physical spans [gte, lt) holding a range's replicated user data. */
export function rangeDataSpans(desc: RangeDescriptor): { gte: Uint8Array; lt: Uint8Array }[] {
  // User keys start at /meta: below it an escaped KEY_MIN would reach into /local.
  const start = maxKey(desc.startKey, Uint8Array.of(META_PREFIX));
  return [
    { gte: escapeKey(start), lt: escapeKey(desc.endKey) },
    { gte: escapeKey(start, Uint8Array.of(LOCAL_PREFIX, LOCAL_LOCK_MARKER)), lt: escapeKey(desc.endKey, Uint8Array.of(LOCAL_PREFIX, LOCAL_LOCK_MARKER)) },
    { gte: escapeKey(start, Uint8Array.of(LOCAL_PREFIX, LOCAL_TXN_MARKER)), lt: escapeKey(desc.endKey, Uint8Array.of(LOCAL_PREFIX, LOCAL_TXN_MARKER)) },
  ];
}

export interface SnapshotContents {
  readonly desc: RangeDescriptor;
  readonly lease: Lease;
  readonly pairs: readonly { key: Uint8Array; value: Uint8Array }[];
}

const FORMAT = 1;

export async function buildSnapshotData(engine: EngineReader, desc: RangeDescriptor, lease: Lease): Promise<Uint8Array> {
  const w = new ByteWriter(4096);
  w.u8(FORMAT).bytes(encodeRangeDescriptor(desc));
  encodeLease(lease, w);
  const pairs: { key: Uint8Array; value: Uint8Array }[] = [];
  for (const span of rangeDataSpans(desc)) {
    const it = engine.iterator({ gte: span.gte, lt: span.lt, chunkEntries: 1000 });
    try {
      for (let e = await it.next(); e !== undefined; e = await it.next()) pairs.push(e);
    } finally {
      await it.close();
    }
  }
  w.u32(pairs.length);
  for (const p of pairs) w.bytes(p.key).bytes(p.value);
  return w.finish();
}

export function decodeSnapshotData(data: Uint8Array): SnapshotContents {
  const r = new ByteReader(data);
  const format = r.u8();
  if (format !== FORMAT) throw new Error(`unknown snapshot format ${format}`);
  const desc = decodeRangeDescriptor(r.bytes());
  const lease = decodeLease(r);
  const n = r.u32();
  const pairs: { key: Uint8Array; value: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) pairs.push({ key: r.bytes(), value: r.bytes() });
  r.expectDone('range snapshot');
  return { desc, lease, pairs };
}

/** Stages deletes of every key the range holds now (before a snapshot replaces them). */
export async function stageClearRange(engine: EngineReader, desc: RangeDescriptor, batch: WriteBatch): Promise<void> {
  for (const span of rangeDataSpans(desc)) {
    const it = engine.iterator({ gte: span.gte, lt: span.lt, chunkEntries: 1000 });
    try {
      for (let e = await it.next(); e !== undefined; e = await it.next()) batch.del(e.key);
    } finally {
      await it.close();
    }
  }
}
