/**
 * A small fault-free harness for rule tests: replicas over MemoryStorage, a message queue
 * delivered in order, and helpers to build messages and drain Readies.
 */
import {
  EMPTY_CONF_STATE,
  MemoryStorage,
  RawNode,
  bootstrapState,
  decodeConfChange,
  replicaId,
  type ConfState,
  type Entry,
  type Message,
  type RaftConfigInput,
  type ReadState,
  type ReplicaId,
} from '../../src/raft/index.ts';
import { seededRandom } from '../../src/util/index.ts';

export const id = replicaId;

export type TestConfig = Omit<RaftConfigInput, 'id' | 'random'>;

/** Builds a replica whose storage holds the bootstrap snapshot for `voters`, plus `log`. */
export function newNode(self: number, voters: number[], config: TestConfig = {}, log: Entry[] = [], learners: number[] = []): { node: RawNode; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const cs: ConfState = { ...EMPTY_CONF_STATE, voters: voters.map(id), learners: learners.map(id) };
  const boot = bootstrapState(cs);
  storage.applySnapshot(boot.snapshot);
  storage.setHardState(boot.hardState);
  storage.append(log);
  const node = new RawNode({ electionTicks: 10, heartbeatTicks: 1, ...config, id: id(self), random: seededRandom(self), applied: 1 }, storage);
  return { node, storage };
}

export function entry(index: number, term: number, data = ''): Entry {
  return { index, term, kind: 'normal', data: new TextEncoder().encode(data) };
}

/** Persists, applies and advances every Ready of `node`; returns the messages it sent. */
export function drain(node: RawNode, storage: MemoryStorage, applied?: Entry[], reads?: ReadState[]): Message[] {
  const out: Message[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
    storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    out.push(...rd.messages);
    for (const e of rd.committedEntries) {
      applied?.push(e);
      if (e.kind === 'conf-change') node.applyConfChange(decodeConfChange(e.data));
    }
    reads?.push(...rd.readStates);
    node.advance(rd);
  }
  return out;
}

/** A fault-free group: messages are delivered in order until nothing moves. */
export class Cluster {
  readonly nodes = new Map<ReplicaId, { node: RawNode; storage: MemoryStorage; applied: Entry[]; reads: ReadState[] }>();
  readonly queue: Message[] = [];
  /** Links that drop everything: `${from}->${to}`. */
  readonly cut = new Set<string>();

  constructor(voters: number[], config: TestConfig = {}, learners: number[] = []) {
    for (const v of [...voters, ...learners]) {
      const { node, storage } = newNode(v, voters, config, [], learners);
      this.nodes.set(id(v), { node, storage, applied: [], reads: [] });
    }
  }

  get(n: number): RawNode {
    const r = this.nodes.get(id(n));
    if (r === undefined) throw new Error(`no replica ${n}`);
    return r.node;
  }

  applied(n: number): string[] {
    return this.nodes.get(id(n))!.applied.filter((e) => e.kind === 'normal' && e.data.length > 0).map((e) => new TextDecoder().decode(e.data));
  }

  reads(n: number): ReadState[] {
    return this.nodes.get(id(n))!.reads;
  }

  isolate(n: number): void {
    for (const other of this.nodes.keys()) {
      this.cut.add(`${n}->${other}`);
      this.cut.add(`${other}->${n}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Delivers messages and processes Readies until the group is idle. */
  stabilize(limit = 10_000): void {
    for (let k = 0; k < limit; k++) {
      let moved = false;
      for (const r of this.nodes.values()) {
        const msgs = drain(r.node, r.storage, r.applied, r.reads);
        if (msgs.length > 0) moved = true;
        this.queue.push(...msgs);
      }
      const m = this.queue.shift();
      if (m === undefined) {
        if (!moved) return;
        continue;
      }
      if (this.cut.has(`${m.from}->${m.to}`)) continue;
      this.nodes.get(m.to)?.node.step(m);
    }
    throw new Error('cluster did not stabilize');
  }

  /** Ticks every replica `n` times, stabilizing after each tick. */
  tick(n: number): void {
    for (let k = 0; k < n; k++) {
      for (const r of this.nodes.values()) r.node.tick();
      this.stabilize();
    }
  }

  leader(): number | undefined {
    for (const [rid, r] of this.nodes) if (r.node.status().role === 'leader') return rid;
    return undefined;
  }

  /** Campaigns `n` and lets the election finish. */
  elect(n: number): void {
    this.get(n).campaign();
    this.stabilize();
  }
}

/** Shorthands for messages in rule tests. */
export const m = {
  app: (from: number, to: number, term: number, index: number, logTerm: number, entries: Entry[], commit: number): Message => ({
    kind: 'app', from: id(from), to: id(to), term, index, logTerm, entries, commit,
  }),
  vote: (from: number, to: number, term: number, lastIndex: number, lastTerm: number, kind: 'vote' | 'pre-vote' = 'vote', transfer = false): Message => ({
    kind, from: id(from), to: id(to), term, lastIndex, lastTerm, transfer,
  }),
  heartbeat: (from: number, to: number, term: number, commit: number): Message => ({
    kind: 'heartbeat', from: id(from), to: id(to), term, commit, ctx: new Uint8Array(0), quiesce: false,
  }),
};

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
