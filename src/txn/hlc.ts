import type { Clock, Logger } from '../util/index.ts';
import { tsCompare, type Timestamp } from '../kv/index.ts';

/**
 * A hybrid logical clock: timestamps follow physical time but never go backwards and order
 * causally related events, because every message's timestamp is folded in with `update`.
 */
export class HybridClock {
  private last: Timestamp = { wall: 0n, logical: 0 };

  constructor(
    private readonly physical: Clock,
    /** Remote timestamps further ahead than this are logged (clock offset beyond bound). */
    readonly maxOffsetMs: number,
    private readonly logger?: Logger,
  ) {}

  /** A timestamp greater than every one returned or seen before. */
  now(): Timestamp {
    const wall = this.physical.nowNanos();
    this.last = wall > this.last.wall ? { wall, logical: 0 } : { wall: this.last.wall, logical: this.last.logical + 1 };
    return this.last;
  }

  /** Folds in a timestamp seen in a message, so later `now()` values exceed it. */
  update(remote: Timestamp): void {
    const ahead = remote.wall - this.physical.nowNanos();
    if (ahead > BigInt(this.maxOffsetMs) * 1_000_000n) {
      this.logger?.warn({ aheadNanos: ahead.toString() }, 'remote clock ahead beyond the maximum offset');
    }
    if (tsCompare(remote, this.last) > 0) this.last = remote;
  }
}
