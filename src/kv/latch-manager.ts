import { assert } from '../util/index.ts';
import type { KvSpan } from './api.ts';
import { compareBytes } from './bytes.ts';

/** A span to latch: reads share with reads, a write excludes everything overlapping. */
export interface LatchSpan {
  readonly span: KvSpan;
  readonly write: boolean;
}

export interface LatchGuard {
  /** Idempotent. */
  release(): void;
}

interface Entry {
  readonly spans: readonly LatchSpan[];
  readonly released: Promise<void>;
  readonly markReleased: () => void;
}

function overlaps(a: KvSpan, b: KvSpan): boolean {
  return compareBytes(a.startKey, b.endKey) < 0 && compareBytes(b.startKey, a.endKey) < 0;
}

function conflicts(a: readonly LatchSpan[], b: readonly LatchSpan[]): boolean {
  for (const x of a) {
    for (const y of b) if ((x.write || y.write) && overlaps(x.span, y.span)) return true;
  }
  return false;
}

/**
 * Latches serialize the evaluation and application of conflicting batches on one replica.
 * A request waits for every earlier request (in arrival order) whose spans conflict with
 * its own, so there are no deadlocks and no starvation; non-conflicting requests proceed
 * concurrently. A request holds its latches from evaluation until its writes are applied.
 */
export class LatchManager {
  private active: Entry[] = [];
  /** Requests admitted (holding or waiting) at most; acquire fails loudly beyond it. */
  constructor(private readonly latchRequestsMax: number) {}

  get size(): number {
    return this.active.length;
  }

  async acquire(spans: readonly LatchSpan[]): Promise<LatchGuard> {
    for (const s of spans) assert(compareBytes(s.span.startKey, s.span.endKey) < 0, 'latch span must be non-empty');
    assert(this.active.length < this.latchRequestsMax, () => `latch manager over ${this.latchRequestsMax} requests`);
    const waitFor = this.active.filter((e) => conflicts(e.spans, spans)).map((e) => e.released);
    let markReleased!: () => void;
    const released = new Promise<void>((resolve) => (markReleased = resolve));
    const entry: Entry = { spans, released, markReleased };
    this.active.push(entry);
    if (waitFor.length > 0) await Promise.all(waitFor);
    let done = false;
    return {
      release: () => {
        if (done) return;
        done = true;
        const i = this.active.indexOf(entry);
        assert(i >= 0, 'released a latch that is not held');
        this.active.splice(i, 1);
        entry.markReleased();
      },
    };
  }
}
