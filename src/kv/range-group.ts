/**
 * The Raft side of one replica: its RawNode, log storage, applied state (applied index,
 * configuration, lease, descriptor) and the proposals waiting to be applied. Application
 * of committed entries is deterministic and synchronous: it stages engine writes into the
 * driver's cycle batch and returns effects to run once that batch is durable.
 */
import { assert, type Random } from '../util/index.ts';
import {
  BOOTSTRAP_INDEX,
  EMPTY_CONF_STATE,
  NO_REPLICA,
  RawNode,
  bootstrapState,
  decodeConfChange,
  type ConfState,
  type Entry,
  type ReplicaId,
} from '../raft/index.ts';
import type { KvError } from './api.ts';
import { ByteReader, ByteWriter } from './codec.ts';
import { WriteBatch } from './engine.ts';
import { metaKey, rangeIdLocalKey } from './keys.ts';
import { decideLeaseApply, decodeLease, encodeLease, NO_LEASE, type Lease } from './lease.ts';
import { compareBytes } from './bytes.ts';
import { encodeVersionValue, versionKey } from './mvcc-key.ts';
import { decodeRangeDescriptor, encodeRangeDescriptor, rangeContainsKey, type NodeId, type RangeDescriptor, type RangeId } from './range-descriptor.ts';
import { decodeConfState, encodeConfState, RangeRaftStorage } from './raft-storage.ts';
import { commandId, decodeCommand, type Command } from './replicated-cmd.ts';
import type { Timestamp } from './timestamp.ts';

export const DESCRIPTOR_SUFFIX = 'desc';

export function descriptorKey(rangeId: RangeId): Uint8Array {
  return rangeIdLocalKey(rangeId, DESCRIPTOR_SUFFIX);
}

export function appliedStateKey(rangeId: RangeId): Uint8Array {
  return rangeIdLocalKey(rangeId, 'state');
}

export interface AppliedState {
  appliedIndex: number;
  confState: ConfState;
  lease: Lease;
}

export function encodeAppliedState(s: AppliedState): Uint8Array {
  const w = new ByteWriter(96);
  w.u64(BigInt(s.appliedIndex));
  encodeConfState(s.confState, w);
  encodeLease(s.lease, w);
  return w.finish();
}

export function decodeAppliedState(b: Uint8Array): AppliedState {
  const r = new ByteReader(b);
  const appliedIndex = Number(r.u64());
  const confState = decodeConfState(r);
  const lease = decodeLease(r);
  r.expectDone('applied state');
  return { appliedIndex, confState, lease };
}

/**
 * Writes a descriptor's range-local copy and, when the range itself holds its /meta record
 * (the first range), that record too: replicated writes stay inside their range. Other
 * ranges' /meta records are written by the split that creates them.
 */
export function stageDescriptor(batch: WriteBatch, desc: RangeDescriptor, ts: Timestamp, withMeta = true): void {
  const encoded = encodeRangeDescriptor(desc);
  batch.put(descriptorKey(desc.rangeId), encoded);
  const meta = metaKey(desc.endKey);
  if (withMeta && rangeContainsKey(desc, meta)) batch.put(versionKey(meta, ts), encodeVersionValue(encoded));
}

/** A conf change's context: the descriptor after the change and the /meta write timestamp. */
export function encodeChangeContext(desc: RangeDescriptor, ts: Timestamp): Uint8Array {
  return new ByteWriter(128).timestamp(ts).bytes(encodeRangeDescriptor(desc)).finish();
}

function decodeChangeContext(b: Uint8Array): { desc: RangeDescriptor; ts: Timestamp } {
  const r = new ByteReader(b);
  const ts = r.timestamp();
  const desc = decodeRangeDescriptor(r.bytes());
  return { desc, ts };
}

/**
 * The Raft state every initial replica of a new range starts from: the bootstrap snapshot
 * position (index 1, term 1) with `voters`, and no lease.
 */
export function stageInitialRaftState(batch: WriteBatch, desc: RangeDescriptor, voters: readonly ReplicaId[]): void {
  const boot = bootstrapState({ ...EMPTY_CONF_STATE, voters: [...voters] });
  const state: AppliedState = { appliedIndex: BOOTSTRAP_INDEX, confState: boot.snapshot.meta.confState, lease: NO_LEASE };
  const storage = new RangeRaftStorage(desc.rangeId, () => state);
  storage.stageSnapshot(batch, boot.snapshot);
  storage.stageHardState(batch, boot.hardState);
  batch.put(appliedStateKey(desc.rangeId), encodeAppliedState(state));
}

export type ProposalResult = { readonly ok: true } | { readonly ok: false; readonly error: KvError };

interface Pending {
  readonly batch: WriteBatch | null;
  readonly leaseSeq: number;
  readonly proposedAtMs: number;
  readonly resolve: (r: ProposalResult) => void;
}

/** What applying a Ready's entries asks the driver to do after the write is durable. */
export type ApplyEffect = () => void;

export class RangeGroup {
  readonly node: RawNode;
  readonly storage: RangeRaftStorage;
  private readonly pending = new Map<bigint, Pending>();
  private changeWaiters: (() => void)[] = [];
  /** Bytes of write commands applied since the split queue last measured this range. */
  appliedWriteBytes = 0;
  /** When the last lease request was proposed (monotonic ms), to re-propose lost ones. */
  leaseRequestedAtMs = -Infinity;
  /** Called after the lease changed holder here (the replica raises its timestamp cache). */
  onLeaseApplied: (lease: Lease, previous: Lease) => void = () => undefined;
  /** Called after the descriptor changed by a conf change (or snapshot). */
  onDescriptorChanged: (desc: RangeDescriptor) => void = () => undefined;
  /** Called after a split applied here: this range is now `left`; `right` is new. */
  onSplit: (left: RangeDescriptor, right: RangeDescriptor) => void = () => undefined;
  /** Whether this store already has a group for `rangeId` (an empty one created by a message). */
  rangeExists: (rangeId: RangeId) => boolean = () => false;

  constructor(
    readonly rangeId: RangeId,
    readonly nodeId: NodeId,
    public desc: RangeDescriptor | null,
    readonly state: AppliedState,
    storage: RangeRaftStorage,
    raft: { electionTicks: number; heartbeatTicks: number; random: Random },
  ) {
    this.storage = storage;
    this.node = new RawNode(
      { id: nodeId as number as ReplicaId, applied: state.appliedIndex, random: raft.random, electionTicks: raft.electionTicks, heartbeatTicks: raft.heartbeatTicks, checkQuorum: true, preVote: true },
      storage,
    );
  }

  get isLeader(): boolean {
    return this.node.status().role === 'leader';
  }

  /** The node id of the Raft leader this replica knows (replica ids are node ids), or 0. */
  get leaderNode(): NodeId {
    const lead = this.node.status().lead;
    return (lead === NO_REPLICA ? 0 : lead) as number as NodeId;
  }

  /** Proposes a command; `id` must be unique. Resolves when applied here (or failed). */
  propose(cmd: Command, data: Uint8Array, nowMs: number): Promise<ProposalResult> {
    const res = this.node.propose(data);
    if (!res.ok) return Promise.resolve({ ok: false, error: { kind: 'not-leaseholder', leaseholder: null, message: `proposal dropped: ${res.reason}` } });
    return new Promise((resolve) => {
      this.pending.set(cmd.id, { batch: cmd.kind === 'write' ? cmd.batch : null, leaseSeq: cmd.kind === 'write' ? cmd.leaseSeq : -1, proposedAtMs: nowMs, resolve });
    });
  }

  /** Resolves when the lease or the Raft role changes, or after `timeoutMs`. */
  waitChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.changeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  notifyChange(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }

  /** Fails proposals older than `timeoutMs`: their outcome is unknown (ambiguous). */
  expireProposals(nowMs: number, timeoutMs: number): void {
    for (const [id, p] of this.pending) {
      if (nowMs - p.proposedAtMs < timeoutMs) continue;
      this.pending.delete(id);
      p.resolve({ ok: false, error: { kind: 'ambiguous-result', message: `proposal not applied within ${timeoutMs} ms` } });
    }
  }

  /** Fails every waiting proposal (the store is closing). */
  failAll(message: string): void {
    for (const p of this.pending.values()) p.resolve({ ok: false, error: { kind: 'ambiguous-result', message } });
    this.pending.clear();
    this.notifyChange();
  }

  /**
   * Applies committed entries: stages their writes into `batch` (in log order: later
   * entries win on the same key) and returns what to do once the batch is durable.
   */
  applyEntries(entries: readonly Entry[], batch: WriteBatch, effects: ApplyEffect[]): void {
    if (entries.length === 0) return;
    for (const e of entries) {
      assert(e.index === this.state.appliedIndex + 1, () => `r${this.rangeId}: applying ${e.index} after ${this.state.appliedIndex}`);
      if (e.kind === 'conf-change') this.applyConfChange(e, batch, effects);
      else if (e.data.length > 0) this.applyCommand(e.data, batch, effects);
      this.state.appliedIndex = e.index;
    }
    batch.put(appliedStateKey(this.rangeId), encodeAppliedState(this.state));
  }

  private applyCommand(data: Uint8Array, batch: WriteBatch, effects: ApplyEffect[]): void {
    const id = commandId(data);
    const mine = this.pending.get(id);
    if (mine !== undefined) this.pending.delete(id);
    // The proposer's own batch saves decoding; other replicas decode the entry.
    const cmd: Command = mine?.batch != null ? { kind: 'write', id, leaseSeq: mine.leaseSeq, batch: mine.batch } : decodeCommand(data);
    if (cmd.kind === 'split') {
      const applies = this.applySplit(cmd, batch, effects);
      if (mine !== undefined) {
        effects.push(() => mine.resolve(applies ? { ok: true } : { ok: false, error: { kind: 'not-leaseholder', leaseholder: null, message: 'the split did not apply (lease moved or bounds changed)' } }));
      }
      return;
    }
    if (cmd.kind === 'lease') {
      const outcome = decideLeaseApply(this.state.lease, cmd.request);
      if (outcome.ok) {
        const changedHolder = outcome.lease.seq !== this.state.lease.seq;
        const previous = this.state.lease;
        this.state.lease = outcome.lease;
        const lease = outcome.lease;
        effects.push(() => {
          if (changedHolder) this.failStaleProposals(lease.seq);
          this.onLeaseApplied(lease, previous);
          this.notifyChange();
        });
      }
      if (mine !== undefined) effects.push(() => mine.resolve({ ok: true }));
      return;
    }
    const applies = cmd.leaseSeq === this.state.lease.seq;
    if (applies) {
      batch.append(cmd.batch);
      this.appliedWriteBytes += cmd.batch.byteSize;
    }
    if (mine !== undefined) {
      const holder = this.state.lease.holder;
      effects.push(() => mine.resolve(applies ? { ok: true } : { ok: false, error: { kind: 'not-leaseholder', leaseholder: holder === 0 ? null : holder, message: 'the lease changed before the write applied' } }));
    }
  }

  /**
   * A split: this range keeps [start, splitKey) and a new range takes [splitKey, end) with
   * the same replicas, starting from the initial Raft state (every replica applies the same
   * command, so every replica creates the same new range). Data stays where it is. /meta
   * records inside this range are written here; others by the splitter (split queue).
   */
  private applySplit(cmd: Extract<Command, { kind: 'split' }>, batch: WriteBatch, effects: ApplyEffect[]): boolean {
    const desc = this.desc;
    if (desc === null || cmd.leaseSeq !== this.state.lease.seq) return false;
    if (!rangeContainsKey(desc, cmd.splitKey) || compareBytes(desc.startKey, cmd.splitKey) === 0) return false;
    const generation = desc.generation + 1n;
    const left: RangeDescriptor = { ...desc, endKey: cmd.splitKey, generation };
    // The new range starts with the voters only (learners are not carried over; the
    // replicate queue adds what is missing), and its descriptor says exactly that.
    const voters = new Set<number>(this.state.confState.voters);
    const replicas = desc.replicas.filter((r) => voters.has(r.replicaId));
    const right: RangeDescriptor = { ...desc, rangeId: cmd.rightRangeId as RangeId, startKey: cmd.splitKey, generation, replicas };
    const ts = { wall: cmd.wall, logical: 0 };
    stageDescriptor(batch, left, ts);
    batch.put(descriptorKey(right.rangeId), encodeRangeDescriptor(right));
    const rightMeta = metaKey(right.endKey);
    if (rangeContainsKey(left, rightMeta)) batch.put(versionKey(rightMeta, ts), encodeVersionValue(encodeRangeDescriptor(right)));
    // An empty replica of the new range may exist already (a message from its first leader
    // arrived before this split applied here): it catches up by snapshot instead.
    if (!this.rangeExists(right.rangeId)) stageInitialRaftState(batch, right, this.state.confState.voters);
    this.desc = left;
    effects.push(() => {
      this.onSplit(left, right);
      this.notifyChange();
    });
    return true;
  }

  /** Writes proposed under an older lease will be refused when applied: fail them now. */
  private failStaleProposals(seq: number): void {
    for (const [id, p] of this.pending) {
      if (p.batch === null || p.leaseSeq === seq) continue;
      this.pending.delete(id);
      const holder = this.state.lease.holder;
      p.resolve({ ok: false, error: { kind: 'not-leaseholder', leaseholder: holder === 0 ? null : holder, message: 'the lease moved' } });
    }
  }

  private applyConfChange(e: Entry, batch: WriteBatch, effects: ApplyEffect[]): void {
    const cc = decodeConfChange(e.data);
    this.state.confState = this.node.applyConfChange(cc);
    if (cc.context.length === 0) return;
    const { desc, ts } = decodeChangeContext(cc.context);
    stageDescriptor(batch, desc, ts);
    this.desc = desc;
    effects.push(() => {
      this.onDescriptorChanged(desc);
      this.notifyChange();
    });
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}

