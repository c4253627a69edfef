/**
 * A seeded, single-process simulation of one Raft group. N replicas exchange messages over
 * a faulty simulated network (drop, duplicate, delay/reorder, full and asymmetric
 * partitions); replicas crash, losing everything they had not persisted, and restart from
 * their durable storage; clients propose, read, change membership and transfer leadership
 * at random; the application compacts logs, so laggards need snapshots. The SafetyChecker
 * checks Raft's safety properties after every step. After the chaos phase the network
 * heals and every replica restarts; a proposal must then commit within a bounded number of
 * ticks (liveness).
 *
 * Everything is driven by one seeded Random, so a seed replays exactly: see `replayCommand`.
 */
import * as realRaft from '../../../src/raft/index.ts';
import type { ConfState, Entry, Message, RawNode, Ready, ReplicaId, Role } from '../../../src/raft/index.ts';
import { seededRandom, type Random } from '../../../src/util/index.ts';
import { SafetyChecker, type DurableLog } from './checker.ts';
import { SimNetwork } from './network.ts';
import { chooseConfChange } from './membership.ts';
import { chooseParams, type SimParams } from './params.ts';

export type RaftModule = typeof realRaft;

export interface SimOptions {
  /** The implementation under test (a mutant, for sim:mutants). */
  readonly raft?: RaftModule;
  /** Length of the faulty phase. */
  readonly chaosTicks?: number;
  /** After healing, a proposal must commit within this many ticks. */
  readonly livenessTicks?: number;
  /** Receives a line per notable event (for replaying a failing seed). */
  readonly trace?: (line: string) => void;
  /** How to replay this run, printed on failure. */
  readonly replay?: (seed: number) => string;
}

export interface SimStats {
  steps: number;
  committed: number;
  applied: number;
  elections: number;
  crashes: number;
  partitions: number;
  confChanges: number;
  transfers: number;
  snapshots: number;
  reads: number;
}

export type SimResult =
  | { readonly ok: true; readonly seed: number; readonly stats: SimStats }
  | { readonly ok: false; readonly seed: number; readonly error: string; readonly replay: string; readonly stats: SimStats };

export const STEPS_PER_TICK = 4;

export function replayCommand(seed: number): string {
  return `npm run soak:raft -- --seed ${seed} --trace`;
}

interface SimNode {
  readonly id: ReplicaId;
  readonly storage: realRaft.MemoryStorage & { onDemand: () => void };
  raw: RawNode | undefined; // undefined while crashed or removed
  role: Role;
  applied: number;
  confState: ConfState;
  lastCommitChecked: number;
  downUntil: number;
  removed: boolean;
  incarnation: number;
  readonly tickPhase: number;
}

class LivenessFailure extends Error {}

export function runSeed(seed: number, options: SimOptions = {}): SimResult {
  const sim = new Simulation(seed, options);
  try {
    sim.run();
    return { ok: true, seed, stats: sim.stats };
  } catch (err) {
    const error = err instanceof LivenessFailure ? `liveness: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { ok: false, seed, error, replay: (options.replay ?? replayCommand)(seed), stats: sim.stats };
  }
}

function encodeId(tag: number, n: number, padding: number): Uint8Array {
  const out = new Uint8Array(5 + padding);
  out[0] = tag;
  new DataView(out.buffer).setUint32(1, n);
  return out;
}

const TAG_PROPOSAL = 0x50;
const TAG_MARKER = 0x4d;
const TAG_READ = 0x52;

function members(cs: ConfState): Set<ReplicaId> {
  return new Set([...cs.voters, ...cs.votersOutgoing, ...cs.learners]);
}

class Simulation {
  readonly stats: SimStats = { steps: 0, committed: 0, applied: 0, elections: 0, crashes: 0, partitions: 0, confChanges: 0, transfers: 0, snapshots: 0, reads: 0 };
  private readonly raft: RaftModule;
  private readonly rng: Random;
  private readonly params: SimParams;
  private readonly net: SimNetwork;
  private readonly checker = new SafetyChecker();
  private readonly nodes = new Map<ReplicaId, SimNode>();
  private readonly timers: { at: number; fn: () => void }[] = [];
  private readonly readFloor = new Map<number, number>();
  private now = 0;
  private nextId: number;
  private proposalSeq = 0;
  private readSeq = 0;
  private markerApplied = false;
  private pendingRemovals: { id: ReplicaId; index: number; remaining: ReadonlySet<ReplicaId> }[] = [];
  private readonly trace: ((line: string) => void) | undefined;

  constructor(
    private readonly seed: number,
    private readonly options: SimOptions,
  ) {
    this.raft = options.raft ?? realRaft;
    this.rng = seededRandom(seed);
    this.params = chooseParams(this.rng);
    this.trace = options.trace;
    this.net = new SimNetwork(this.rng, { ...this.params.faults });
    const voters = Array.from({ length: this.params.voters }, (_, i) => this.raft.replicaId(i + 1));
    this.nextId = voters.length + 1;
    const cs: ConfState = { ...this.raft.EMPTY_CONF_STATE, voters };
    const boot = this.raft.bootstrapState(cs);
    this.checker.bootstrap(boot.snapshot.meta.index, boot.snapshot.meta.term);
    for (const id of voters) {
      const n = this.addNode(id);
      n.storage.applySnapshot(boot.snapshot);
      n.storage.setHardState(boot.hardState);
      this.start(n);
    }
    this.log(`params ${JSON.stringify(this.params)}`);
  }

  private log(line: string): void {
    this.trace?.(`[${this.now}] ${line}`);
  }

  private addNode(id: ReplicaId): SimNode {
    // Like a real application, the storage generates a snapshot of the current applied
    // state when the leader asks for one (an old one may predate a new member).
    const storage = Object.assign(new this.raft.MemoryStorage(), { onDemand: () => {} });
    const base = storage.snapshot.bind(storage);
    storage.snapshot = () => {
      storage.onDemand();
      return base();
    };
    const n: SimNode = {
      id,
      storage,
      raw: undefined,
      role: 'follower',
      applied: 0,
      confState: this.raft.EMPTY_CONF_STATE,
      lastCommitChecked: 0,
      downUntil: 0,
      removed: false,
      incarnation: 0,
      tickPhase: this.rng.int(STEPS_PER_TICK),
    };
    storage.onDemand = () => {
      if (n.raw !== undefined && n.applied > base().meta.index) storage.createSnapshot(n.applied, n.confState, new Uint8Array(0));
    };
    this.nodes.set(id, n);
    return n;
  }

  /** (Re)starts a replica from its durable state, as a real process would after a crash. */
  private start(n: SimNode): void {
    const snap = n.storage.snapshot();
    n.incarnation++;
    n.applied = snap.meta.index;
    n.confState = snap.meta.confState;
    n.lastCommitChecked = n.storage.initialState().hardState.commit;
    n.role = 'follower';
    n.raw = new this.raft.RawNode(
      { ...this.params.raftConfig, id: n.id, applied: snap.meta.index, random: seededRandom(this.seed * 7919 + n.id * 104729 + n.incarnation) },
      n.storage,
    );
    this.log(`start ${n.id} (incarnation ${n.incarnation}, applied ${n.applied})`);
  }

  run(): void {
    const chaosSteps = (this.options.chaosTicks ?? 200) * STEPS_PER_TICK;
    while (this.now < chaosSteps) {
      this.chaosEvents();
      this.step();
    }
    this.heal();
    // The bound grows with the backlog left by the chaos phase: with tiny message and
    // in-flight limits a replica may catch up one entry per round trip.
    let maxLast = 0;
    let minLast = this.checker.committed;
    for (const n of this.live()) {
      const last = n.raw!.status().lastIndex;
      maxLast = Math.max(maxLast, last);
      minLast = Math.min(minLast, last);
    }
    const backlog = maxLast - minLast;
    const boundTicks = (this.options.livenessTicks ?? 200) + 2 * backlog;
    const deadline = this.now + boundTicks * STEPS_PER_TICK;
    let markerSeq = 0;
    while (!this.markerApplied) {
      if (this.now >= deadline) throw new LivenessFailure(`no proposal committed within ${boundTicks} ticks after healing; ${this.describe()}`);
      if (this.now % (5 * STEPS_PER_TICK) === 0) this.proposeMarker(markerSeq++);
      this.step();
    }
  }

  private describe(): string {
    const parts: string[] = [];
    for (const n of this.nodes.values()) {
      if (n.raw === undefined) {
        parts.push(`${n.id}:${n.removed ? 'removed' : 'down'}`);
        continue;
      }
      const s = n.raw.status();
      parts.push(`${n.id}:${s.role}/t${s.term}/lead${s.lead}/c${s.commit}/last${s.lastIndex}/q${s.quiesced ? 1 : 0}/voters[${s.confState.voters}|${s.confState.votersOutgoing}]`);
    }
    return parts.join(' ');
  }

  private heal(): void {
    this.log('heal: network healed, faults off, all replicas up');
    this.net.heal();
    // A healthy network: nothing lost, little reordering (a real transport is ordered).
    this.net.faults = { dropRate: 0, duplicateRate: 0, delayMax: Math.min(2, this.net.faults.delayMax) };
    for (const n of this.nodes.values()) {
      if (!n.removed && n.raw === undefined) this.start(n);
    }
    this.wakeAll();
  }

  private live(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.raw !== undefined) out.push(n);
    return out;
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.rng.int(xs.length)];
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const n of this.nodes.values()) {
      if (n.raw === undefined || n.role !== 'leader') continue;
      const term = n.raw.status().term;
      if (term > bestTerm) {
        best = n;
        bestTerm = term;
      }
    }
    return best;
  }

  private wakeAll(): void {
    for (const n of this.nodes.values()) n.raw?.wake();
  }

  /** One step of simulated time: deliveries, timers, ticks, then every replica's Ready. */
  private step(): void {
    this.now++;
    this.stats.steps++;
    for (const m of this.net.due(this.now)) this.deliver(m);
    if (this.timers.length > 0) this.runTimers();
    if (this.pendingRemovals.length > 0) this.collectRemoved();
    for (const n of this.nodes.values()) {
      if (n.raw !== undefined && !n.raw.quiesced && (this.now + n.tickPhase) % STEPS_PER_TICK === 0) n.raw.tick();
    }
    for (const n of this.nodes.values()) {
      for (let k = 0; k < 3 && n.raw !== undefined && n.raw.hasReady(); k++) this.handleReady(n, n.raw);
    }
  }

  private runTimers(): void {
    const due = this.timers.filter((t) => t.at <= this.now);
    if (due.length === 0) return;
    const rest = this.timers.filter((t) => t.at > this.now);
    this.timers.length = 0;
    this.timers.push(...rest);
    for (const t of due) t.fn();
  }

  private reportSnapshot(from: ReplicaId, to: ReplicaId, ok: boolean): void {
    this.timers.push({ at: this.now + 1 + this.rng.int(8), fn: () => this.nodes.get(from)?.raw?.reportSnapshot(to, ok) });
  }

  private deliver(m: Message): void {
    const target = this.nodes.get(m.to);
    if (target === undefined || target.raw === undefined || this.net.isCut(m.from, m.to)) {
      if (m.kind === 'snap') this.reportSnapshot(m.from, m.to, false);
      return;
    }
    target.raw.step(m);
    if (m.kind === 'snap') {
      this.stats.snapshots++;
      this.reportSnapshot(m.from, m.to, true);
    }
  }

  private send(m: Message): void {
    this.checker.sent(m);
    const sent = this.net.send(m, this.now);
    if (!sent) {
      if (m.kind === 'snap') this.reportSnapshot(m.from, m.to, false);
      else if (this.net.isCut(m.from, m.to) && this.rng.next() < 0.1) this.nodes.get(m.from)?.raw?.reportUnreachable(m.to);
    }
  }

  private handleReady(n: SimNode, raw: RawNode): void {
    const rd = raw.ready();
    const log: DurableLog = n.storage;
    // 1. Persist: snapshot, entries, hard state (the order a real driver writes them).
    if (rd.snapshot !== undefined) {
      n.storage.applySnapshot(rd.snapshot);
      this.checker.installedSnapshot(n.id, rd.snapshot);
      n.applied = rd.snapshot.meta.index;
      n.confState = rd.snapshot.meta.confState;
      this.log(`${n.id} installed snapshot ${rd.snapshot.meta.index}`);
    }
    if (rd.entries.length > 0) {
      n.storage.append(rd.entries);
      this.checker.appended(n.id, rd.entries, log);
    }
    const leaderTermBefore = n.role === 'leader' ? n.storage.initialState().hardState.term : -1;
    if (rd.hardState !== undefined) {
      n.storage.setHardState(rd.hardState);
      if (rd.hardState.commit > n.lastCommitChecked && rd.softState === undefined && leaderTermBefore === rd.hardState.term) {
        this.checker.leaderCommitted(n.id, rd.hardState.term, rd.hardState.commit, log);
      }
      if (rd.hardState.commit > n.lastCommitChecked) {
        this.checker.committedTo(n.id, n.lastCommitChecked + 1, rd.hardState.commit, log);
        n.lastCommitChecked = rd.hardState.commit;
        this.stats.committed = this.checker.committed;
      }
    }
    if (rd.softState !== undefined) this.softStateChanged(n, raw, rd);
    // 2. Send, now that what the messages promise is durable.
    for (const m of rd.messages) this.send(m);
    // 3. Apply.
    this.apply(n, raw, rd.committedEntries);
    for (const rs of rd.readStates) {
      const ctx = new DataView(rs.ctx.buffer, rs.ctx.byteOffset, rs.ctx.byteLength).getUint32(1);
      const floor = this.readFloor.get(ctx);
      if (floor !== undefined) this.checker.readServed(n.id, rs.index, floor);
      this.stats.reads++;
    }
    if (n.raw === raw) raw.advance(rd);
  }

  private softStateChanged(n: SimNode, raw: RawNode, rd: Ready): void {
    const soft = rd.softState!;
    n.role = soft.role;
    if (soft.role !== 'leader') return;
    const term = raw.status().term;
    this.stats.elections++;
    this.log(`${n.id} leads term ${term}`);
    this.checker.leaderElected(n.id, term, 'soft state');
    this.checker.leaderComplete(n.id, term, n.storage);
  }

  private apply(n: SimNode, raw: RawNode, entries: readonly Entry[]): void {
    for (const e of entries) {
      this.checker.applied(n.id, e, n.applied);
      n.applied = e.index;
      this.stats.applied++;
      if (e.kind === 'conf-change') {
        const cc = this.raft.decodeConfChange(e.data);
        const before = members(n.confState);
        n.confState = raw.applyConfChange(cc);
        this.log(`${n.id} applied conf change at ${e.index}: voters [${n.confState.voters}|${n.confState.votersOutgoing}] learners [${n.confState.learners}]`);
        const after = members(n.confState);
        for (const id of before) if (!after.has(id)) this.pendingRemovals.push({ id, index: e.index, remaining: after });
      } else if (e.data[0] === TAG_MARKER) {
        this.markerApplied = true;
      }
    }
  }

  /**
   * A removed replica is garbage-collected (destroyed for good; ids are never reused) once
   * every remaining member durably knows its removal is committed. Destroying it earlier
   * can wedge the group: a member that has the removal in its log but not yet as committed
   * still counts the removed replica's vote under the old configuration.
   */
  private collectRemoved(): void {
    this.pendingRemovals = this.pendingRemovals.filter((p) => {
      for (const id of p.remaining) {
        const m = this.nodes.get(id);
        if (m !== undefined && !m.removed && m.storage.initialState().hardState.commit < p.index) return true;
      }
      this.destroy(p.id);
      return false;
    });
  }

  private destroy(id: ReplicaId): void {
    const n = this.nodes.get(id);
    if (n === undefined || n.removed) return;
    this.log(`destroy ${id}`);
    n.removed = true;
    n.raw = undefined;
  }

  private proposeMarker(seq: number): void {
    const target = this.leader() ?? this.pick(this.live());
    if (target?.raw === undefined) return;
    const r = target.raw.propose(encodeId(TAG_MARKER, seq, 0));
    this.log(`marker ${seq} -> ${target.id}: ${r.ok ? 'ok' : r.reason}`);
  }

  private chaosEvents(): void {
    const p = this.params;
    const rng = this.rng;
    if (rng.next() < p.crashRate) this.crashOne();
    for (const n of this.nodes.values()) {
      if (!n.removed && n.raw === undefined && this.now >= n.downUntil) this.start(n);
    }
    if (rng.next() < p.partitionRate && !this.net.partitioned) this.partition();
    else if (this.net.partitioned && rng.next() < p.healRate) {
      this.log('heal partition');
      this.net.heal();
    }
    if (rng.next() < p.proposeRate) this.proposeRandom();
    if (rng.next() < p.confChangeRate) this.changeMembership();
    if (rng.next() < p.transferRate) this.transfer();
    if (rng.next() < p.compactRate) this.compact();
    if (rng.next() < p.readRate) this.read();
    if (rng.next() < p.quiesceRate) this.leader()?.raw?.tryQuiesce();
  }

  private crashOne(): void {
    const n = this.pick(this.live());
    if (n === undefined) return;
    n.raw = undefined;
    n.downUntil = this.now + 4 + this.rng.int(this.params.downStepsMax);
    this.stats.crashes++;
    this.log(`crash ${n.id} until ${n.downUntil}`);
    this.wakeAll(); // the driver's failure detector notices the crash
  }

  private partition(): void {
    const ids = [...this.nodes.values()].filter((n) => !n.removed).map((n) => n.id);
    this.stats.partitions++;
    const kind = this.rng.int(3);
    if (kind === 0) {
      const a = ids.filter(() => this.rng.next() < 0.5);
      const b = ids.filter((id) => !a.includes(id));
      this.net.partition(a, b);
      this.log(`partition [${a}] | [${b}]`);
    } else if (kind === 1) {
      const lone = this.pick(ids)!;
      this.net.partition([lone], ids.filter((id) => id !== lone));
      this.log(`isolate ${lone}`);
    } else {
      const cuts: string[] = [];
      for (let k = 0; k < 1 + this.rng.int(3); k++) {
        const from = this.pick(ids)!;
        const to = this.pick(ids)!;
        if (from !== to) {
          this.net.cutLink(from, to);
          cuts.push(`${from}->${to}`);
        }
      }
      this.log(`asymmetric cut ${cuts.join(' ')}`);
    }
    this.wakeAll();
  }

  private proposeRandom(): void {
    const n = this.pick(this.live());
    if (n?.raw === undefined) return;
    const count = this.rng.next() < 0.3 ? 1 + this.rng.int(4) : 1;
    const batch: Uint8Array[] = [];
    for (let k = 0; k < count; k++) batch.push(encodeId(TAG_PROPOSAL, this.proposalSeq++, this.rng.int(this.params.paddingMax)));
    if (count === 1) n.raw.propose(batch[0]!);
    else n.raw.proposeBatch(batch);
  }

  private read(): void {
    const n = this.pick(this.live());
    if (n?.raw === undefined) return;
    const seq = this.readSeq++;
    this.readFloor.set(seq, this.checker.committed);
    n.raw.readIndex(encodeId(TAG_READ, seq, 0));
  }

  private transfer(): void {
    const l = this.leader();
    const to = this.pick(l?.confState.voters ?? []);
    if (l?.raw === undefined || to === undefined) return;
    this.stats.transfers++;
    this.log(`transfer ${l.id} -> ${to}`);
    const via = this.rng.next() < 0.3 ? this.pick(this.live()) : l;
    via?.raw?.transferLeader(to);
  }

  private compact(): void {
    const n = this.pick(this.live());
    if (n?.raw === undefined) return;
    const snapIndex = n.storage.snapshot().meta.index;
    if (n.applied <= snapIndex) return;
    n.storage.createSnapshot(n.applied, n.confState, new Uint8Array(0));
    const keep = this.rng.int(4);
    n.storage.compact(Math.max(snapIndex, n.applied - keep));
    this.log(`${n.id} compacted to ${n.storage.firstIndex() - 1} (snapshot ${n.applied})`);
  }

  private changeMembership(): void {
    const l = this.leader();
    if (l?.raw === undefined) return;
    const cc = chooseConfChange(this.rng, this.raft, l.raw.status().confState, this.params.membersMax, () => this.raft.replicaId(this.nextId++));
    if (cc === undefined) return;
    const r = l.raw.proposeConfChange(cc);
    this.log(`conf change via ${l.id}: ${JSON.stringify(cc.changes)} ${cc.transition} -> ${r.ok ? 'ok' : r.reason}`);
    if (!r.ok) return;
    this.stats.confChanges++;
    for (const ch of cc.changes) {
      if (!this.nodes.has(ch.id)) this.start(this.addNode(ch.id));
    }
  }
}
