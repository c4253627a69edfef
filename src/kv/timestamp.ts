import { assert } from '../util/index.ts';

/**
 * A hybrid-logical-clock timestamp: wall time in nanoseconds since the Unix epoch plus a
 * logical counter that orders events within one wall tick. Timestamps order by wall, then
 * logical. The clock that produces them lives in src/txn (HybridClock); kv only compares
 * and stores them.
 */
export interface Timestamp {
  readonly wall: bigint;
  readonly logical: number;
}

export const LOGICAL_MAX = 0xffff_ffff;
export const WALL_MAX = 0xffff_ffff_ffff_ffffn;

export const TS_ZERO: Timestamp = { wall: 0n, logical: 0 };
/** Greater than every timestamp a clock produces: reads at it see the newest version. */
export const TS_MAX: Timestamp = { wall: WALL_MAX, logical: LOGICAL_MAX };

export function tsCompare(a: Timestamp, b: Timestamp): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  return a.logical - b.logical;
}

export function tsLess(a: Timestamp, b: Timestamp): boolean {
  return tsCompare(a, b) < 0;
}

export function tsLessEq(a: Timestamp, b: Timestamp): boolean {
  return tsCompare(a, b) <= 0;
}

export function tsMax(a: Timestamp, b: Timestamp): Timestamp {
  return tsCompare(a, b) >= 0 ? a : b;
}

/** The smallest timestamp greater than `ts`. */
export function tsNext(ts: Timestamp): Timestamp {
  if (ts.logical < LOGICAL_MAX) return { wall: ts.wall, logical: ts.logical + 1 };
  assert(ts.wall < WALL_MAX, 'timestamp overflow');
  return { wall: ts.wall + 1n, logical: 0 };
}

export function assertTimestamp(ts: Timestamp): void {
  assert(ts.wall >= 0n && ts.wall <= WALL_MAX, () => `wall out of range: ${ts.wall}`);
  assert(Number.isInteger(ts.logical) && ts.logical >= 0 && ts.logical <= LOGICAL_MAX, () => `logical out of range: ${ts.logical}`);
}

export function tsString(ts: Timestamp): string {
  return `${ts.wall}.${ts.logical}`;
}
