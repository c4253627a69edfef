/**
 * The durable side of a Raft group, as the core reads it. The core never writes storage:
 * the driver persists what `Ready` hands out, then calls `advance`. Reads are synchronous
 * because the core is; a disk-backed implementation keeps the tail of the log in memory
 * (entries since the last compaction) or reads it synchronously.
 */
import { assert } from '../util/index.ts';
import {
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  checkIndex,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './types.ts';

export interface InitialState {
  readonly hardState: HardState;
  /** The configuration as of the application's applied index given in `RaftConfig.applied`. */
  readonly confState: ConfState;
}

/**
 * Log storage. Indexes in (firstIndex()-1 .. lastIndex()] are addressable: the entry at
 * firstIndex()-1 is the last one covered by the snapshot, of which only the term is known.
 */
export interface Storage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), lo >= firstIndex(), hi <= lastIndex()+1. Stops early once the
   * total data size exceeds `maxBytes`, but always returns at least one entry if lo < hi.
   * The returned array and entries are not mutated by the caller.
   */
  entries(lo: number, hi: number, maxBytes: number): readonly Entry[];
  /** The term of entry `index`, firstIndex()-1 <= index <= lastIndex(). */
  term(index: number): number;
  /** The first index still in the log (snapshot index + 1). */
  firstIndex(): number;
  /** The last index in the log (the snapshot index if the log is empty). */
  lastIndex(): number;
  /**
   * The most recent snapshot, or undefined when it is temporarily unavailable (being
   * generated): the leader then retries on a later heartbeat response.
   */
  snapshot(): Snapshot | undefined;
}

/** Sums entry payload sizes, the unit of every byte limit in the core. */
export function entriesSize(entries: readonly Entry[]): number {
  let size = 0;
  for (const e of entries) size += e.data.length;
  return size;
}

/** Cuts `entries` so its payload stays within `maxBytes`, keeping at least one entry. */
export function limitSize<T extends Entry>(entries: readonly T[], maxBytes: number): readonly T[] {
  if (entries.length === 0) return entries;
  let size = entries[0]!.data.length;
  let n = 1;
  for (; n < entries.length; n++) {
    size += entries[n]!.data.length;
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

const EMPTY_BYTES = new Uint8Array(0);

/**
 * An in-memory Storage, used by tests, the simulator and as the model for disk-backed ones.
 * `ents[0]` is a dummy entry holding the snapshot's index and term, so that `term` of the
 * last compacted index is always known.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = {
    meta: { index: 0, term: 0, confState: EMPTY_CONF_STATE },
    data: EMPTY_BYTES,
  };
  private ents: Entry[] = [{ index: 0, term: 0, kind: 'normal', data: EMPTY_BYTES }];

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private get offset(): number {
    return this.ents[0]!.index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(index: number): number {
    const i = index - this.offset;
    assert(i >= 0 && i < this.ents.length, () => `term(${index}) outside [${this.offset}, ${this.lastIndex()}]`);
    return this.ents[i]!.term;
  }

  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] {
    assert(lo > this.offset && hi <= this.lastIndex() + 1 && lo <= hi, () =>
      `entries [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    return limitSize(this.ents.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with `snap` (a snapshot received from the leader). */
  applySnapshot(snap: Snapshot): void {
    assert(snap.meta.index >= this.snap.meta.index, () =>
      `snapshot ${snap.meta.index} older than ${this.snap.meta.index}`);
    this.snap = snap;
    this.ents = [{ index: snap.meta.index, term: snap.meta.term, kind: 'normal', data: EMPTY_BYTES }];
  }

  /**
   * Records a snapshot of the application's state at `index` (which must be applied, hence
   * in the log). Does not discard entries: call `compact` for that.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    assert(index >= this.snap.meta.index && index <= this.lastIndex(), () =>
      `createSnapshot(${index}) outside [${this.snap.meta.index}, ${this.lastIndex()}]`);
    this.snap = { meta: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discards entries before `index`; `index` must not exceed the applied index. */
  compact(index: number): void {
    if (index <= this.offset) return;
    assert(index <= this.lastIndex(), () => `compact(${index}) beyond last index ${this.lastIndex()}`);
    const i = index - this.offset;
    const head: Entry = { index, term: this.ents[i]!.term, kind: 'normal', data: EMPTY_BYTES };
    this.ents = [head, ...this.ents.slice(i + 1)];
  }

  /** Appends `entries` (contiguous), replacing any conflicting suffix of the log. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    checkIndex(first, 'entry index');
    for (let k = 1; k < entries.length; k++) {
      assert(entries[k]!.index === first + k, 'appended entries must be contiguous');
    }
    assert(first <= this.lastIndex() + 1, () => `append at ${first} leaves a gap after ${this.lastIndex()}`);
    const last = first + entries.length - 1;
    if (last <= this.offset) return; // wholly covered by the snapshot
    const skip = Math.max(0, this.offset + 1 - first);
    const keep = first + skip - this.offset; // ents slots kept before the new ones
    this.ents.length = keep;
    for (let k = skip; k < entries.length; k++) this.ents.push(entries[k]!);
  }
}
