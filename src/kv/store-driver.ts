/**
 * The one Raft driver of a store: ticks every range's group, steps incoming messages, and
 * runs Ready cycles. One cycle takes the Ready of every group with work, stages all their
 * snapshots, log entries, hard states and applied commands into ONE engine batch, writes it
 * (synced when any group needs it), sends every group's messages (one transport flush),
 * advances the groups and runs the effects of what was applied (waking proposers).
 *
 *   tick / step / propose ─> dirty groups ─> cycle: ready() ×N ─> one batch ─> write
 *                                                  ─> send + flush ─> advance ×N ─> effects
 *
 * Cycles never overlap: proposals that arrive while a write is in flight wait in their
 * groups and go out together in the next cycle (group commit).
 */
import { assert, type Env } from '../util/index.ts';
import type { Message, Ready } from '../raft/index.ts';
import { WriteBatch, type Engine } from './engine.ts';
import type { GroupCommitter } from './group-commit.ts';
import { decideLeaseAction, type LeaseSettings } from './lease.ts';
import type { NodeId, RangeId } from './range-descriptor.ts';
import { appliedStateKey, encodeAppliedState, stageDescriptor, type ApplyEffect, type RangeGroup } from './range-group.ts';
import { buildSnapshotData, decodeSnapshotData, stageClearRange } from './range-snapshot.ts';
import { encodeCommand } from './replicated-cmd.ts';
import type { RaftTransport } from './rpc/raft-transport.ts';
import { heartbeatMessage, heartbeatRespMessage, type RaftBatch } from './rpc/raft-codec.ts';

export interface DriverConfig extends LeaseSettings {
  readonly raftTickMs: number;
  /** A proposal not applied within this long fails as ambiguous. */
  readonly proposalTimeoutMs: number;
  /** Applied entries a group keeps in its log before truncating. */
  readonly raftLogEntriesMax: number;
}

interface Staged {
  readonly group: RangeGroup;
  readonly rd: Ready;
}

export class StoreDriver {
  readonly groups = new Map<RangeId, RangeGroup>();
  private readonly dirty = new Set<RangeGroup>();
  private running = false;
  private scheduled = false;
  private closed = false;
  private ticker: NodeJS.Timeout | null = null;
  private transport: RaftTransport | null = null;
  private nextCommandId: bigint;
  /** Cycles run and engine writes made (for tests and metrics). */
  readonly stats = { cycles: 0, writes: 0, syncedWrites: 0 };
  /** Creates a group for a message to a range this store does not hold yet (cluster mode). */
  createGroup: ((rangeId: RangeId) => RangeGroup | null) | null = null;

  constructor(
    private readonly env: Env,
    private readonly engine: Engine,
    private readonly committer: GroupCommitter,
    readonly nodeId: NodeId,
    readonly config: DriverConfig,
  ) {
    // Ids unique per node incarnation: the node id in the top bits, the clock below.
    this.nextCommandId = (BigInt(nodeId) << 48n) | (env.clock.nowNanos() & ((1n << 48n) - 1n));
  }

  newCommandId(): bigint {
    this.nextCommandId = (this.nextCommandId + 1n) & ((1n << 64n) - 1n);
    return this.nextCommandId;
  }

  addGroup(group: RangeGroup): void {
    assert(!this.groups.has(group.rangeId), () => `group r${group.rangeId} exists`);
    this.groups.set(group.rangeId, group);
    this.markDirty(group);
  }

  setTransport(transport: RaftTransport): void {
    this.transport = transport;
    transport.onMessages((from, batch) => this.receive(from, batch));
    transport.onUnreachable((toNode, rangeIds) => {
      for (const id of rangeIds) this.groups.get(id)?.node.reportUnreachable(toNode as number as never);
    });
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), this.config.raftTickMs);
    this.ticker.unref();
  }

  markDirty(group: RangeGroup): void {
    this.dirty.add(group);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.closed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private tick(): void {
    const nowMs = this.env.clock.monotonicMs();
    const nowNs = this.env.clock.nowNanos();
    for (const g of this.groups.values()) {
      g.node.tick();
      g.expireProposals(nowMs, this.config.proposalTimeoutMs);
      if (g.desc !== null) this.maintainLease(g, nowNs, nowMs);
      this.dirty.add(g);
    }
    this.schedule();
  }

  /** Proposes a lease request when the policy says so (at most one per election timeout). */
  maintainLease(g: RangeGroup, nowNs: bigint, nowMs: number): void {
    const action = decideLeaseAction(this.config, g.state.lease, this.nodeId, g.isLeader, nowNs);
    if (action.kind === 'none' || nowMs - g.leaseRequestedAtMs < this.config.raftTickMs * 10) return;
    g.leaseRequestedAtMs = nowMs;
    const cmd = { kind: 'lease', id: this.newCommandId(), request: action.lease } as const;
    void g.propose(cmd, encodeCommand(cmd), nowMs);
    this.markDirty(g);
  }

  /** Steps a batch of messages from a peer node into the groups. */
  receive(_fromNode: NodeId, batch: RaftBatch): void {
    const step = (rangeId: RangeId, m: Message): void => {
      let g = this.groups.get(rangeId);
      if (g === undefined) {
        const created = this.createGroup?.(rangeId) ?? null;
        if (created === null) return;
        g = created;
      }
      g.node.step(m);
      this.dirty.add(g);
    };
    for (const r of batch.ranges) for (const m of r.messages) step(r.rangeId, m);
    for (const h of batch.heartbeats) step(h.rangeId, heartbeatMessage(h));
    for (const h of batch.heartbeatResps) step(h.rangeId, heartbeatRespMessage(h));
    this.schedule();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.dirty.size > 0 && !this.closed) await this.cycle();
    } catch (err) {
      // A failed engine write leaves the groups' memory ahead of the disk: stop loudly.
      this.env.logger.fatal({ err }, 'raft driver cycle failed');
      throw err;
    } finally {
      this.running = false;
    }
  }

  private async cycle(): Promise<void> {
    const groups = [...this.dirty];
    this.dirty.clear();
    // Snapshots wanted by leaders are built first, while no apply can run (consistent).
    for (const g of groups) if (g.storage.snapshotWanted && g.desc !== null) await this.buildSnapshot(g);
    const staged: Staged[] = [];
    for (const g of groups) if (g.node.hasReady()) staged.push({ group: g, rd: g.node.ready() });
    if (staged.length === 0) return;
    this.stats.cycles++;
    const batch = new WriteBatch();
    const effects: ApplyEffect[] = [];
    let sync = false;
    for (const { group, rd } of staged) {
      if (rd.snapshot !== undefined) await this.stageSnapshot(group, rd, batch, effects);
      group.storage.stageAppend(batch, rd.entries);
      if (rd.hardState !== undefined) group.storage.stageHardState(batch, rd.hardState);
      group.applyEntries(rd.committedEntries, batch, effects);
      this.maybeTruncate(group, batch);
      if (rd.softState !== undefined) effects.push(() => group.notifyChange());
      sync ||= rd.mustSync;
    }
    if (batch.size > 0) {
      this.stats.writes++;
      if (sync) {
        this.stats.syncedWrites++;
        await this.committer.commit(batch);
      } else {
        await this.engine.write(batch, { sync: false });
      }
    }
    for (const { group, rd } of staged) this.send(group, rd.messages);
    this.transport?.flush();
    for (const { group, rd } of staged) {
      group.node.advance(rd);
      this.dirty.add(group); // advancing may have produced more work (e.g. auto-leave)
    }
    for (const e of effects) e();
    for (const { group } of staged) if (!group.node.hasReady()) this.dirty.delete(group);
  }

  private send(group: RangeGroup, messages: readonly Message[]): void {
    if (messages.length === 0 || this.transport === null) return;
    const byNode = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const to = m.to as number as NodeId;
      if (m.kind === 'snap') {
        this.sendSnapshot(group, to, m);
        continue;
      }
      const list = byNode.get(to);
      if (list === undefined) byNode.set(to, [m]);
      else list.push(m);
    }
    for (const [to, list] of byNode) this.transport.send(to, group.rangeId, list);
  }

  private sendSnapshot(group: RangeGroup, to: NodeId, m: Extract<Message, { kind: 'snap' }>): void {
    const transport = this.transport;
    assert(transport !== null, 'snapshot without a transport');
    transport.sendSnapshot(to, group.rangeId, m).then(
      () => group.node.reportSnapshot(m.to, true),
      (err: unknown) => {
        this.env.logger.warn({ rangeId: group.rangeId, to, err: String(err) }, 'snapshot send failed');
        group.node.reportSnapshot(m.to, false);
      },
    ).finally(() => this.markDirty(group));
  }

  private async buildSnapshot(g: RangeGroup): Promise<void> {
    assert(g.desc !== null, 'snapshot of an uninitialized replica');
    const index = g.state.appliedIndex;
    const data = await buildSnapshotData(this.engine, g.desc, g.state.lease);
    assert(index === g.state.appliedIndex, 'applied index moved while building a snapshot');
    g.storage.setSnapshot({ meta: { index, term: g.storage.term(index), confState: g.state.confState }, data });
    this.env.logger.info({ rangeId: g.rangeId, index, bytes: data.length }, 'range snapshot built');
  }

  private async stageSnapshot(g: RangeGroup, rd: Ready, batch: WriteBatch, effects: ApplyEffect[]): Promise<void> {
    const snap = rd.snapshot;
    assert(snap !== undefined, 'no snapshot');
    const contents = decodeSnapshotData(snap.data);
    if (g.desc !== null) await stageClearRange(this.engine, g.desc, batch);
    await stageClearRange(this.engine, contents.desc, batch);
    for (const p of contents.pairs) batch.put(p.key, p.value);
    g.storage.stageSnapshot(batch, snap);
    g.state.appliedIndex = snap.meta.index;
    g.state.confState = snap.meta.confState;
    g.state.lease = contents.lease;
    g.desc = contents.desc;
    // The /meta record travels inside the data when the range holds /meta; write the local copy.
    stageDescriptor(batch, contents.desc, { wall: 0n, logical: 0 }, false);
    batch.put(appliedStateKey(g.rangeId), encodeAppliedState(g.state));
    const desc = contents.desc;
    effects.push(() => {
      g.onDescriptorChanged(desc);
      g.notifyChange();
    });
    this.env.logger.info({ rangeId: g.rangeId, index: snap.meta.index, keys: contents.pairs.length }, 'range snapshot installed');
  }

  private maybeTruncate(g: RangeGroup, batch: WriteBatch): void {
    const keep = this.config.raftLogEntriesMax;
    const applied = g.state.appliedIndex;
    if (g.storage.entryCount <= 2 * keep || applied - g.storage.firstIndex() < keep) return;
    g.storage.stageTruncate(batch, applied - keep);
  }

  /** Stops ticking and cycling; fails waiting proposals. Writes in flight finish first. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    for (const g of this.groups.values()) g.failAll('the store is closing');
  }
}
