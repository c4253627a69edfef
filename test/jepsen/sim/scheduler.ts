/**
 * Virtual time for the in-process simulator. Every timer the simulated cluster uses (lock
 * waits, intent-wait sleeps, heartbeats, network delays, nemesis pauses) is one of these;
 * time moves only when the simulator steps. Between steps the process runs whatever is
 * runnable (promise continuations and immediates), and with no real I/O and no real timer
 * in the path that order is a function of the program alone: the same seed replays the
 * same run.
 */
import type { TimerHandle, Timers } from '../../../src/kv/index.ts';
import type { ManualClock } from '../../../src/util/index.ts';

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Immediates run between two steps: enough for a batch to pass the memory engine. */
const SETTLE_TURNS = 3;

export class SimScheduler implements Timers {
  private readonly due: Entry[] = [];
  private seq = 0;

  constructor(readonly clock: ManualClock) {}

  /** Virtual milliseconds (monotonic). */
  now(): number {
    return this.clock.monotonicMs();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry: Entry = { at: this.now() + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    // Sorted by (at, seq): ties fire in the order they were set.
    let i = this.due.length;
    while (i > 0 && (this.due[i - 1] as Entry).at > entry.at) i--;
    this.due.splice(i, 0, entry);
    return entry as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as unknown as Entry).cancelled = true;
  }

  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimeout(resolve, ms));

  /** Lets everything runnable run, then moves time `ms` on and fires the timers due by then. */
  async step(ms: number): Promise<void> {
    for (let i = 0; i < SETTLE_TURNS; i++) await new Promise((r) => setImmediate(r));
    this.clock.advance(ms);
    const now = this.now();
    while (this.due.length > 0 && (this.due[0] as Entry).at <= now) {
      const e = this.due.shift() as Entry;
      if (!e.cancelled) e.fn();
    }
  }
}
