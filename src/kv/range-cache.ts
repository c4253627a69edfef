import { compareBytes } from './bytes.ts';
import type { RangeDescriptor } from './range-descriptor.ts';

/**
 * The DistSender's cache of range descriptors, sorted by end key. Entries may be stale; a
 * RangeKeyMismatch from a replica evicts them. Holds at most `entriesMax` descriptors.
 */
export class RangeCache {
  private entries: RangeDescriptor[] = [];

  constructor(private readonly entriesMax: number) {}

  get size(): number {
    return this.entries.length;
  }

  /** Index of the first entry whose end key is above `key` (or at/above it when inclusiveEnd). */
  private search(key: Uint8Array, inclusiveEnd: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareBytes((this.entries[mid] as RangeDescriptor).endKey, key);
      if (c < 0 || (c === 0 && !inclusiveEnd)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The cached range containing `key`: start <= key < end; with `reverse`, the range
   * containing the keys just below `key`: start < key <= end.
   */
  lookup(key: Uint8Array, reverse = false): RangeDescriptor | undefined {
    const d = this.entries[this.search(key, reverse)];
    if (d === undefined) return undefined;
    const c = compareBytes(d.startKey, key);
    return (reverse ? c < 0 : c <= 0) ? d : undefined;
  }

  /** Adds `d`, dropping cached entries it overlaps (they are older or newer; newer wins). */
  insert(d: RangeDescriptor): void {
    const kept = this.entries.filter(
      (e) => compareBytes(e.endKey, d.startKey) <= 0 || compareBytes(d.endKey, e.startKey) <= 0 || e.generation > d.generation,
    );
    if (kept.some((e) => compareBytes(e.startKey, d.endKey) < 0 && compareBytes(d.startKey, e.endKey) < 0)) return;
    kept.push(d);
    kept.sort((a, b) => compareBytes(a.endKey, b.endKey));
    while (kept.length > this.entriesMax) kept.splice(kept.length >>> 1, 1);
    this.entries = kept;
  }

  evict(d: RangeDescriptor): void {
    this.entries = this.entries.filter((e) => !(e.rangeId === d.rangeId && e.generation <= d.generation));
  }
}
