/**
 * What the leader knows about one follower's log, and how it sends to it:
 *
 *   probe      one append in flight at a time, walking `next` back until the logs match;
 *   replicate  appends are pipelined optimistically (`next` runs ahead of `match`),
 *              bounded by the in-flight window (count and bytes);
 *   snapshot   the follower needs a snapshot; nothing is sent until the driver reports
 *              how the transfer went.
 *
 *   probe --ack--> replicate --reject/unreachable--> probe
 *   probe/replicate --log compacted--> snapshot --report/ack--> probe
 */
import { assert } from '../util/index.ts';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * A ring of the last index of each in-flight append, with their sizes, so the leader can
 * bound both the number of messages and the bytes it has outstanding to one follower.
 */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    assert(countMax > 0, 'in-flight message limit must be positive');
  }

  get count(): number {
    return this.lastIndexes.length - this.head;
  }

  full(): boolean {
    return this.count >= this.countMax || (this.bytesMax > 0 && this.bytes >= this.bytesMax);
  }

  add(lastIndex: number, size: number): void {
    assert(!this.full(), 'adding to a full in-flight window');
    const n = this.lastIndexes.length;
    assert(n === this.head || this.lastIndexes[n - 1]! < lastIndex, 'in-flight indexes must increase');
    this.lastIndexes.push(lastIndex);
    this.sizes.push(size);
    this.bytes += size;
  }

  /** Frees every in-flight append whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.head < this.lastIndexes.length && this.lastIndexes[this.head]! <= index) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    this.compactIfSparse();
  }

  freeFirst(): void {
    if (this.count === 0) return;
    this.freeLE(this.lastIndexes[this.head]!);
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.head = 0;
    this.bytes = 0;
  }

  private compactIfSparse(): void {
    if (this.head === this.lastIndexes.length) {
      this.reset();
    } else if (this.head > 64 && this.head * 2 > this.lastIndexes.length) {
      this.lastIndexes.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class Progress {
  state: ProgressState = 'probe';
  /** Highest index known to be durable on the follower. */
  match = 0;
  /** Next index to send. Invariant: match < next. */
  next: number;
  /** In probe state: an append is outstanding, wait for its reply or a heartbeat reply. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being transferred. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round (leader-side liveness). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    next: number,
    inflightCountMax: number,
    inflightBytesMax: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // Resume right after the snapshot (or after what the follower acknowledged).
      const snapIndex = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, snapIndex + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to `index`: returns whether it told us anything new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Records that entries up to `lastIndex` (payload `bytes`) were just sent. */
  sentEntries(count: number, bytes: number, lastIndex: number): void {
    switch (this.state) {
      case 'replicate':
        if (count > 0) {
          this.next = lastIndex + 1;
          this.inflights.add(lastIndex, bytes);
        }
        return;
      case 'probe':
        this.probeSent = true;
        return;
      case 'snapshot':
        assert(false, 'sending entries to a follower in snapshot state');
        return;
    }
  }

  /**
   * A rejection of the append that probed `rejected`; `matchHint` is the highest index
   * that may still match. Returns false if the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      // Only the rejection of the oldest outstanding probe matters; others are stale.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold back appends to this follower right now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
