/**
 * A range's Raft log and hard state in the store's engine, under the range-id-local keys
 * (`hs`, `trunc`, `log<index>`), with the untruncated tail kept in memory so that the
 * Raft core reads it synchronously. The driver stages writes into its cycle's batch and
 * updates the memory copy at the same time (the batch is written before the group
 * advances, and a failed write ends the process).
 */
import { assert } from '../util/index.ts';
import {
  EMPTY_HARD_STATE,
  type ConfState,
  type Entry,
  type HardState,
  type InitialState,
  type ReplicaId,
  type Snapshot,
  type Storage,
} from '../raft/index.ts';
import { ByteReader, ByteWriter } from './codec.ts';
import type { EngineReader, WriteBatch } from './engine.ts';
import { rangeIdLocalKey } from './keys.ts';
import type { RangeId } from './range-descriptor.ts';

export function hardStateKey(rangeId: RangeId): Uint8Array {
  return rangeIdLocalKey(rangeId, 'hs');
}

export function truncatedStateKey(rangeId: RangeId): Uint8Array {
  return rangeIdLocalKey(rangeId, 'trunc');
}

export function raftLogKey(rangeId: RangeId, index: number, prefix: Uint8Array = rangeIdLocalKey(rangeId, 'log')): Uint8Array {
  const out = new Uint8Array(prefix.length + 8);
  out.set(prefix, 0);
  new DataView(out.buffer).setBigUint64(prefix.length, BigInt(index));
  return out;
}

function encodeEntry(e: Entry): Uint8Array {
  return new ByteWriter(e.data.length + 24).u8(e.kind === 'normal' ? 0 : 1).u64(BigInt(e.term)).bytes(e.data).finish();
}

function decodeEntry(index: number, value: Uint8Array): Entry {
  const r = new ByteReader(value);
  const kind = r.u8() === 0 ? 'normal' : 'conf-change';
  const term = Number(r.u64());
  const data = r.bytes();
  r.expectDone('raft entry');
  return { index, term, kind, data };
}

export function encodeConfState(cs: ConfState, w: ByteWriter): void {
  for (const list of [cs.voters, cs.votersOutgoing, cs.learners, cs.learnersNext]) {
    w.u32(list.length);
    for (const id of list) w.u32(id);
  }
  w.u8(cs.autoLeave ? 1 : 0);
}

export function decodeConfState(r: ByteReader): ConfState {
  const lists: ReplicaId[][] = [];
  for (let k = 0; k < 4; k++) {
    const n = r.u32();
    const list: ReplicaId[] = [];
    for (let i = 0; i < n; i++) list.push(r.u32() as ReplicaId);
    lists.push(list);
  }
  const [voters, votersOutgoing, learners, learnersNext] = lists as [ReplicaId[], ReplicaId[], ReplicaId[], ReplicaId[]];
  return { voters, votersOutgoing, learners, learnersNext, autoLeave: r.u8() === 1 };
}

export interface AppliedView {
  readonly appliedIndex: number;
  readonly confState: ConfState;
}

/** Raft Storage over the engine, with the log tail in memory. */
export class RangeRaftStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  /** The last entry covered by a snapshot or truncation: only its term is known. */
  private truncIndex = 0;
  private truncTerm = 0;
  private ents: Entry[] = [];
  /** The newest snapshot generated for followers (by the driver), if any. */
  private cachedSnapshot: Snapshot | undefined;
  /** Set when the core asked for a snapshot that is not ready: the driver builds one. */
  snapshotWanted = false;
  private readonly logPrefix: Uint8Array;

  constructor(
    readonly rangeId: RangeId,
    /** The application's applied index and configuration (owned by the range's group). */
    private readonly applied: () => AppliedView,
  ) {
    this.logPrefix = rangeIdLocalKey(rangeId, 'log');
  }

  /** Loads hard state, truncated state and the log tail of `rangeId`. */
  async load(engine: EngineReader): Promise<void> {
    const [hs, trunc] = await engine.getMany([hardStateKey(this.rangeId), truncatedStateKey(this.rangeId)]);
    if (hs !== undefined) {
      const r = new ByteReader(hs);
      this.hardState = { term: Number(r.u64()), vote: r.u32() as ReplicaId, commit: Number(r.u64()) };
    }
    if (trunc !== undefined) {
      const r = new ByteReader(trunc);
      this.truncIndex = Number(r.u64());
      this.truncTerm = Number(r.u64());
    }
    const it = engine.iterator({ gte: raftLogKey(this.rangeId, this.truncIndex + 1), lt: raftLogKey(this.rangeId, Number.MAX_SAFE_INTEGER) });
    try {
      for (let e = await it.next(); e !== undefined; e = await it.next()) {
        const index = Number(new DataView(e.key.buffer, e.key.byteOffset, e.key.byteLength).getBigUint64(e.key.length - 8));
        assert(index === this.lastIndex() + 1, () => `r${this.rangeId}: raft log not contiguous at ${index} (last ${this.lastIndex()})`);
        this.ents.push(decodeEntry(index, e.value));
      }
    } finally {
      await it.close();
    }
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.applied().confState };
  }

  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] {
    assert(lo > this.truncIndex && hi <= this.lastIndex() + 1 && lo <= hi, () => `r${this.rangeId}: entries [${lo}, ${hi}) outside the log`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - this.truncIndex - 1] as Entry;
      bytes += e.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(index: number): number {
    if (index === this.truncIndex) return this.truncTerm;
    assert(index > this.truncIndex && index <= this.lastIndex(), () => `r${this.rangeId}: term(${index}) outside [${this.truncIndex}, ${this.lastIndex()}]`);
    return (this.ents[index - this.truncIndex - 1] as Entry).term;
  }

  firstIndex(): number {
    return this.truncIndex + 1;
  }

  lastIndex(): number {
    return this.truncIndex + this.ents.length;
  }

  snapshot(): Snapshot | undefined {
    const s = this.cachedSnapshot;
    // A snapshot from before a membership change would not name a replica added since.
    if (s !== undefined && s.meta.index >= this.truncIndex && sameConf(s.meta.confState, this.applied().confState)) return s;
    this.snapshotWanted = true;
    return undefined;
  }

  /** The driver built a snapshot at the applied index (consistent: no apply ran meanwhile). */
  setSnapshot(s: Snapshot): void {
    this.cachedSnapshot = s;
    this.snapshotWanted = false;
  }

  stageHardState(batch: WriteBatch, hs: HardState): void {
    this.hardState = hs;
    batch.put(hardStateKey(this.rangeId), new ByteWriter(24).u64(BigInt(hs.term)).u32(hs.vote).u64(BigInt(hs.commit)).finish());
  }

  /** Appends (replacing any conflicting suffix, whose keys are deleted). */
  stageAppend(batch: WriteBatch, entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    assert(first > this.truncIndex && first <= this.lastIndex() + 1, () => `r${this.rangeId}: append at ${first} does not fit the log`);
    for (let i = first + entries.length; i <= this.lastIndex(); i++) batch.del(raftLogKey(this.rangeId, i, this.logPrefix));
    this.ents.length = first - this.truncIndex - 1;
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, 'appended entries must be contiguous');
      this.ents.push(e);
      batch.put(raftLogKey(this.rangeId, e.index, this.logPrefix), encodeEntry(e));
    }
  }

  /** Replaces the whole log by a received snapshot's position. */
  stageSnapshot(batch: WriteBatch, snap: Snapshot): void {
    for (let i = this.truncIndex + 1; i <= this.lastIndex(); i++) batch.del(raftLogKey(this.rangeId, i, this.logPrefix));
    this.ents = [];
    this.setTruncated(batch, snap.meta.index, snap.meta.term);
    this.cachedSnapshot = undefined;
  }

  /** Drops entries up to `index` (which must be applied). */
  stageTruncate(batch: WriteBatch, index: number): void {
    if (index <= this.truncIndex) return;
    assert(index <= this.applied().appliedIndex, () => `r${this.rangeId}: truncating ${index} beyond applied`);
    const term = this.term(index);
    for (let i = this.truncIndex + 1; i <= index; i++) batch.del(raftLogKey(this.rangeId, i, this.logPrefix));
    this.ents = this.ents.slice(index - this.truncIndex);
    this.setTruncated(batch, index, term);
  }

  private setTruncated(batch: WriteBatch, index: number, term: number): void {
    this.truncIndex = index;
    this.truncTerm = term;
    batch.put(truncatedStateKey(this.rangeId), new ByteWriter(16).u64(BigInt(index)).u64(BigInt(term)).finish());
  }

  /** Entries held in memory (for truncation decisions). */
  get entryCount(): number {
    return this.ents.length;
  }
}


function sameConf(a: ConfState, b: ConfState): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.voters, b.voters) && same(a.learners, b.learners) && same(a.votersOutgoing, b.votersOutgoing) && same(a.learnersNext, b.learnersNext);
}
