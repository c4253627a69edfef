/**
 * Splits by size: the leaseholder of a range measures it once enough was written to it and,
 * past the threshold, splits it at the user key that halves its bytes. The choice of the
 * split key is pure (`decideSplitKey`); measuring and splitting are the queue's.
 */
import { compareBytes } from './bytes.ts';
import type { EngineReader } from './engine.ts';
import { SYSTEM_PREFIX } from './keys.ts';
import { decodeVersionKey } from './mvcc-key.ts';
import type { RangeDescriptor } from './range-descriptor.ts';
import { rangeDataSpans } from './range-snapshot.ts';

export interface KeySize {
  readonly userKey: Uint8Array;
  readonly bytes: number;
}

/**
 * The split key for a range whose user keys (in order, each with the bytes of all its
 * versions) are `sizes`: none below the threshold; otherwise the first key at which the
 * bytes before it reach half the total. Never the range's first key, never below /system
 * (/meta stays in the first range), never a key of `startKey` itself.
 */
export function decideSplitKey(sizes: readonly KeySize[], thresholdBytes: number, startKey: Uint8Array): Uint8Array | null {
  let total = 0;
  for (const s of sizes) total += s.bytes;
  if (total <= thresholdBytes || sizes.length < 2) return null;
  let before = 0;
  for (const s of sizes) {
    if (before * 2 >= total && (s.userKey[0] ?? 0) >= SYSTEM_PREFIX && compareBytes(s.userKey, startKey) > 0) return s.userKey;
    before += s.bytes;
  }
  return null;
}

/** The user keys of `desc` with the bytes their versions take (an engine scan). */
export async function measureRange(engine: EngineReader, desc: RangeDescriptor, keysMax: number): Promise<KeySize[]> {
  const span = rangeDataSpans(desc)[0];
  if (span === undefined) return [];
  const out: KeySize[] = [];
  const it = engine.iterator({ gte: span.gte, lt: span.lt, chunkEntries: 1000 });
  try {
    for (let e = await it.next(); e !== undefined && out.length < keysMax; e = await it.next()) {
      const userKey = decodeVersionKey(e.key).userKey;
      const bytes = e.key.length + e.value.length;
      const last = out[out.length - 1];
      if (last !== undefined && compareBytes(last.userKey, userKey) === 0) out[out.length - 1] = { userKey, bytes: last.bytes + bytes };
      else out.push({ userKey, bytes });
    }
  } finally {
    await it.close();
  }
  return out;
}
