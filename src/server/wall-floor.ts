/**
 * Timestamps must not go backwards across a restart. While a node runs, its HLC never
 * repeats or decreases, but a node restarted with its wall clock behind (a clock fault, an
 * NTP step) would read below data it already wrote (invisible rows) and write below reads it
 * already served. So the node keeps an upper bound of its wall time in the store
 * directory, renewed every `renewMs` to `now + aheadMs`, and after a restart its clock
 * never reads below the bound it left behind. (CockroachDB persists such a bound too.) A
 * crash loses at most the page cache's last write of the file only when the machine
 * itself loses power.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Logger } from '../util/index.ts';

const FILE = 'wall-time-upper-bound';

export interface FlooredClock extends Clock {
  close(): void;
}

/** The bound left by the last run (0 when there is none). */
export function readWallFloor(storeDir: string): bigint {
  try {
    const text = readFileSync(join(storeDir, FILE), 'utf8').trim();
    return /^\d+$/.test(text) ? BigInt(text) : 0n;
  } catch {
    return 0n;
  }
}

/**
 * `base`, but never below the store's persisted bound; keeps renewing the bound. The store
 * directory must be this process's alone (the engine's lock is held).
 */
export function flooredClock(base: Clock, storeDir: string, logger: Logger, options: { renewMs?: number; aheadMs?: number } = {}): FlooredClock {
  const renewMs = options.renewMs ?? 1_000;
  const aheadNanos = BigInt(options.aheadMs ?? 2_000) * 1_000_000n;
  const floor = readWallFloor(storeDir);
  const behind = floor - base.nowNanos();
  if (behind > 0n) logger.warn({ behindMs: Number(behind / 1_000_000n) }, 'the wall clock is behind timestamps this store already used; timestamps continue from the store\'s');
  const clock: Clock = {
    nowNanos: () => {
      const now = base.nowNanos();
      return now > floor ? now : floor;
    },
    monotonicMs: () => base.monotonicMs(),
  };
  const renew = (): void => {
    const path = join(storeDir, FILE);
    try {
      writeFileSync(`${path}.tmp`, `${clock.nowNanos() + aheadNanos}\n`);
      renameSync(`${path}.tmp`, path);
    } catch (err) {
      logger.warn({ err }, 'could not renew the wall time upper bound');
    }
  };
  renew();
  const timer = setInterval(renew, renewMs);
  timer.unref();
  return { ...clock, close: () => clearInterval(timer) };
}
