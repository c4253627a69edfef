import type { KvSpan } from './api.ts';
import { compareBytes, keyNext, keyString } from './bytes.ts';
import { tsCompare, type Timestamp } from './timestamp.ts';
import type { TxnId } from './txn-meta.ts';

/** The newest read of a key, and by whom (null: several transactions). */
export interface ReadMark {
  readonly ts: Timestamp;
  readonly txnId: TxnId | null;
}

/**
 * The timestamp cache of a replica: for every key read, the newest timestamp it was read
 * at. A write at or below a later read of its key by another transaction would change what
 * that read saw, so such writes are refused (the writer retries higher): together with
 * write-too-old and intent conflicts this makes transactions serializable at their
 * timestamps.
 *
 * Memory is bounded: when either table overflows it is cleared and the low-water mark rises
 * to the newest timestamp it held, which is conservative (writes below it are refused). A
 * new cache starts with a low-water mark above any read the previous incarnation served.
 */
export class TimestampCache {
  private points = new Map<string, ReadMark>();
  private spans: { span: KvSpan; mark: ReadMark }[] = [];
  private low: Timestamp;

  constructor(
    lowWater: Timestamp,
    private readonly pointsMax: number,
    private readonly spansMax: number,
  ) {
    this.low = lowWater;
  }

  get lowWater(): Timestamp {
    return this.low;
  }

  /** Raises the low-water mark to `ts` (a new lease: earlier reads may have been served elsewhere). */
  raiseLowWater(ts: Timestamp): void {
    if (tsCompare(ts, this.low) > 0) this.low = ts;
  }

  /** Records a read of the single key `key` at `ts`. */
  recordPointRead(key: Uint8Array, ts: Timestamp, txnId: TxnId | null): void {
    if (tsCompare(ts, this.low) <= 0) return;
    const id = keyString(key);
    this.points.set(id, merge(this.points.get(id), ts, txnId));
    if (this.points.size > this.pointsMax) this.points = this.flush(this.points.values(), new Map());
  }

  /** Records a read of `span` at `ts`. */
  recordRead(span: KvSpan, ts: Timestamp, txnId: TxnId | null): void {
    if (tsCompare(ts, this.low) <= 0) return;
    const isPoint = compareBytes(span.endKey, keyNext(span.startKey)) === 0;
    if (isPoint) {
      this.recordPointRead(span.startKey, ts, txnId);
    } else {
      this.spans.push({ span, mark: { ts, txnId } });
      if (this.spans.length > this.spansMax) this.spans = this.flush(this.spans.map((s) => s.mark), []);
    }
  }

  private flush<T>(marks: Iterable<ReadMark>, empty: T): T {
    for (const m of marks) if (tsCompare(m.ts, this.low) > 0) this.low = m.ts;
    return empty;
  }

  /** The newest read of `key` by a transaction other than `txnId`, or the low-water mark. */
  maxReadBy(key: Uint8Array, txnId: TxnId | null): Timestamp {
    let max = this.low;
    const consider = (m: ReadMark | undefined): void => {
      if (m === undefined || (txnId !== null && m.txnId === txnId)) return;
      if (tsCompare(m.ts, max) > 0) max = m.ts;
    };
    consider(this.points.get(keyString(key)));
    for (const s of this.spans) {
      if (compareBytes(s.span.startKey, key) <= 0 && compareBytes(key, s.span.endKey) < 0) consider(s.mark);
    }
    return max;
  }
}

function merge(old: ReadMark | undefined, ts: Timestamp, txnId: TxnId | null): ReadMark {
  if (old === undefined) return { ts, txnId };
  const c = tsCompare(ts, old.ts);
  if (c > 0) return { ts, txnId };
  if (c < 0) return old;
  return { ts, txnId: old.txnId === txnId ? txnId : null };
}
