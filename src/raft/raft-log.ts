/**
 * The log as the core sees it: durable entries in `Storage`, followed by entries (and
 * possibly a snapshot) that the core has accepted but the driver has not yet persisted.
 *
 *   storage:  [snapshot] firstIndex ........ storage.lastIndex
 *   unstable:                       offset ........................ lastIndex
 *                                   (overlaps storage when a suffix is being replaced)
 *
 * `committed` is the highest index known to be committed; `applied` is the highest index
 * handed to the application (in a Ready it has since advanced past).
 * Invariant: applied <= committed <= lastIndex.
 */
import { assert } from '../util/index.ts';
import { limitSize, type Storage } from './storage.ts';
import { checkIndex, type Entry, type Snapshot } from './types.ts';

export class RaftLog {
  committed: number;
  applied: number;
  /** Entries not yet durable; unstable[k].index === unstableOffset + k. */
  private unstable: Entry[] = [];
  private unstableOffset: number;
  /** A snapshot received from the leader that the driver has not installed yet. */
  private unstableSnapshot: Snapshot | undefined;

  constructor(
    readonly storage: Storage,
    private readonly maxCommittedBytesPerReady: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    checkIndex(first, 'storage first index');
    checkIndex(last, 'storage last index');
    assert(first <= last + 1, () => `storage first index ${first} > last index ${last} + 1`);
    this.unstableOffset = last + 1;
    // Everything up to the snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    if (this.unstableSnapshot !== undefined) return this.unstableSnapshot.meta.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.unstableOffset + this.unstable.length - 1;
    if (this.unstableSnapshot !== undefined) return this.unstableSnapshot.meta.index;
    return this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, 'the last entry always has a known term');
    return t;
  }

  /** The term of entry `index`, or undefined if it is compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index >= this.unstableOffset && this.unstable.length > 0) {
      const e = this.unstable[index - this.unstableOffset];
      if (e !== undefined) return e.term;
      return undefined;
    }
    const snap = this.unstableSnapshot;
    if (snap !== undefined) {
      if (index === snap.meta.index) return snap.meta.term;
      if (index < snap.meta.index) return undefined;
    }
    const first = this.storage.firstIndex();
    if (index < first - 1 || index > this.storage.lastIndex()) return undefined;
    return checkIndex(this.storage.term(index), 'storage term');
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /**
   * Raft's "at least as up-to-date" rule (§5.4.1): a higher last term wins, equal last
   * terms compare last indexes.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries in [lo, hi) with payload within maxBytes (at least one), or undefined if
   * `lo` is compacted (the caller then needs a snapshot).
   */
  slice(lo: number, hi: number, maxBytes: number): readonly Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    assert(hi <= this.lastIndex() + 1, () => `slice [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    if (lo >= hi) return [];
    const result: Entry[] = [];
    const stableHi = Math.min(hi, this.unstableOffset);
    if (lo < stableHi) {
      const stored = this.storage.entries(lo, stableHi, maxBytes);
      assert(stored.length > 0 && stored[0]!.index === lo, () => `storage.entries(${lo}) returned a wrong slice`);
      for (const e of stored) result.push(e);
      if (result.length < stableHi - lo) return result; // byte limit reached in storage
    }
    const from = Math.max(lo, this.unstableOffset);
    for (let i = from; i < hi; i++) result.push(this.unstable[i - this.unstableOffset]!);
    return limitSize(result, maxBytes);
  }

  /**
   * The follower side of AppendEntries: if our log has (prevIndex, prevTerm), appends the
   * entries that are new or conflict (truncating our suffix at the first conflict) and
   * returns the last index the leader's message covers; otherwise undefined.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, () => `conflict at ${conflict} would overwrite committed ${this.committed}`);
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /**
   * The index of the first entry that is not already in our log with the same term, or 0
   * if all are present. Entries past our last index count as conflicting (they are new).
   */
  private findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * For fast back-off: the largest index <= `index` whose term is <= `term`, and that
   * term. Entries above it cannot match a leader whose log has `term` at `index`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; ; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 }; // compacted or beyond: stop here
      if (t <= term) return { index: i, term: t };
    }
  }

  /** Appends entries to the unstable tail, truncating any suffix they replace. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const first = entries[0]!.index;
    assert(first > this.committed, () => `append at ${first} would overwrite committed ${this.committed}`);
    assert(first <= this.lastIndex() + 1, () => `append at ${first} leaves a gap after ${this.lastIndex()}`);
    if (first === this.unstableOffset + this.unstable.length) {
      for (const e of entries) this.unstable.push(e);
    } else if (first <= this.unstableOffset) {
      // Replaces everything unstable (and a suffix of storage, rewritten when persisted).
      this.unstableOffset = first;
      this.unstable = entries.slice();
    } else {
      this.unstable.length = first - this.unstableOffset;
      for (const e of entries) this.unstable.push(e);
    }
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /**
   * The leader's commit rule: advance to `index` only if that entry is from `term` (the
   * leader's current term). Earlier-term entries commit indirectly (Raft §5.4.2).
   */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed && index >= this.applied, () =>
      `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** Committed entries not yet handed to the application, within the per-Ready byte budget. */
  nextCommittedEntries(): readonly Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, this.maxCommittedBytesPerReady) ?? [];
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable;
  }

  pendingSnapshot(): Snapshot | undefined {
    return this.unstableSnapshot;
  }

  /** The driver persisted entries up to (index, term): drop them from the unstable tail. */
  stableTo(index: number, term: number): void {
    if (index < this.unstableOffset || this.unstable.length === 0) return;
    const e = this.unstable[index - this.unstableOffset];
    // If the entry was replaced after the Ready was taken, the new one is not durable yet.
    if (e === undefined || e.term !== term) return;
    this.unstable = this.unstable.slice(index + 1 - this.unstableOffset);
    this.unstableOffset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.unstableSnapshot !== undefined && this.unstableSnapshot.meta.index === index) {
      this.unstableSnapshot = undefined;
    }
  }

  /** Replaces the log with a snapshot from the leader (to be installed by the driver). */
  restore(snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    assert(index > this.committed, () => `restoring snapshot ${index} at or below commit ${this.committed}`);
    this.committed = index;
    this.unstableSnapshot = snapshot;
    this.unstable = [];
    this.unstableOffset = index + 1;
  }

  /** The snapshot to send a lagging follower: an unstable one, else storage's. */
  snapshot(): Snapshot | undefined {
    return this.unstableSnapshot ?? this.storage.snapshot();
  }
}
