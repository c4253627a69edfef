/**
 * The simulator's safety checker. It sees what each replica makes durable and what it
 * sends and applies, and checks Raft's safety properties incrementally (each check costs
 * O(new data), so it can run after every step):
 *
 * - election safety: at most one leader per term (from soft state and from every append,
 *   heartbeat and snapshot a replica sends, since only a leader sends those);
 * - log matching: two durable entries with the same index and term carry the same data and
 *   follow entries with the same term, which by induction makes the logs identical up to
 *   there;
 * - committed history: every commit index a replica persists extends one history, and no
 *   entry of it ever changes (nothing reported committed is lost);
 * - leader completeness: a new leader's durable log holds the whole committed history;
 * - the leader commit rule: a leader's own commits land on entries of its term;
 * - state machine safety: every replica applies exactly the history, in order;
 * - linearizable reads: a read index is at least the commit index known when the read began.
 */
import type { Entry, Message, ReplicaId, Snapshot } from '../../../src/raft/index.ts';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

function fail(message: string): never {
  throw new SafetyViolation(message);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface SeenEntry {
  readonly data: Uint8Array;
  readonly kind: Entry['kind'];
  readonly prevTerm: number;
}

/** A read-only view of one replica's durable log, for the checks that need it. */
export interface DurableLog {
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number;
  entries(lo: number, hi: number, maxBytes: number): readonly Entry[];
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, ReplicaId>();
  private readonly seen = new Map<string, SeenEntry>();
  /** The committed history: historyTerm[i], historyData[i] for i in 1..length-1. */
  private readonly historyTerm: number[] = [0];
  private readonly historyData: (Uint8Array | undefined)[] = [undefined];
  private readonly historyKind: (Entry['kind'] | undefined)[] = [undefined];

  /** The highest index known committed (revealed in some replica's persisted hard state). */
  get committed(): number {
    return this.historyTerm.length - 1;
  }

  /** Seeds the history with the bootstrap snapshot every initial replica starts from. */
  bootstrap(index: number, term: number): void {
    while (this.historyTerm.length <= index) {
      this.historyTerm.push(term);
      this.historyData.push(undefined);
      this.historyKind.push(undefined);
    }
  }

  leaderElected(id: ReplicaId, term: number, how: string): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) this.leaderOfTerm.set(term, id);
    else if (known !== id) fail(`two leaders in term ${term}: ${known} and ${id} (${how})`);
  }

  /** Only a leader sends appends, heartbeats and snapshots. */
  sent(m: Message): void {
    if (m.kind === 'app' || m.kind === 'heartbeat' || m.kind === 'snap') this.leaderElected(m.from, m.term, `sent ${m.kind}`);
  }

  /** `id` appended `entries` durably; `log` is its log after the append. */
  appended(id: ReplicaId, entries: readonly Entry[], log: DurableLog): void {
    const first = log.firstIndex();
    for (const e of entries) {
      if (e.index < first) continue; // covered by its snapshot
      const prevTerm = log.term(e.index - 1);
      const key = `${e.index}:${e.term}`;
      const s = this.seen.get(key);
      if (s === undefined) {
        this.seen.set(key, { data: e.data, kind: e.kind, prevTerm });
      } else if (s.prevTerm !== prevTerm || s.kind !== e.kind || !sameBytes(s.data, e.data)) {
        fail(`log matching: replica ${id} has a different entry at index ${e.index} term ${e.term}`);
      }
    }
  }

  /** `id` installed `snap`: it must describe a committed prefix of the history. */
  installedSnapshot(id: ReplicaId, snap: Snapshot): void {
    const { index, term } = snap.meta;
    if (index > this.committed) fail(`replica ${id} installed snapshot ${index} beyond commit ${this.committed}`);
    if (this.historyTerm[index] !== term) {
      fail(`replica ${id} installed snapshot ${index} term ${term}, history has term ${this.historyTerm[index]}`);
    }
  }

  /** `id` persisted commit index `commit`; its durable log covers it. Extends the history. */
  committedTo(id: ReplicaId, fromIndex: number, commit: number, log: DurableLog): void {
    const lo = Math.max(fromIndex, log.firstIndex());
    if (lo > commit) return;
    if (commit > log.lastIndex()) fail(`replica ${id} committed ${commit} beyond its durable log ${log.lastIndex()}`);
    const ents = log.entries(lo, commit + 1, Number.MAX_SAFE_INTEGER);
    for (const e of ents) this.checkCommitted(id, e, 'committed');
  }

  private checkCommitted(id: ReplicaId, e: Entry, what: string): void {
    if (e.index < this.historyTerm.length) {
      const data = this.historyData[e.index];
      if (this.historyTerm[e.index] !== e.term || (data !== undefined && !sameBytes(data, e.data))) {
        fail(`replica ${id} ${what} index ${e.index} term ${e.term}, but history has term ${this.historyTerm[e.index]} there`);
      }
      return;
    }
    if (e.index !== this.historyTerm.length) fail(`replica ${id} ${what} index ${e.index} past the history's end ${this.committed}`);
    this.historyTerm.push(e.term);
    this.historyData.push(e.data);
    this.historyKind.push(e.kind);
  }

  /**
   * The leader commit rule (Raft §5.4.2): a leader advances its commit index only to an
   * entry of its own term; earlier entries commit indirectly. Checked on commits a
   * replica makes while it stays leader of one term.
   */
  leaderCommitted(id: ReplicaId, term: number, commit: number, log: DurableLog): void {
    if (commit < log.firstIndex()) return;
    const t = log.term(commit);
    if (t !== term) fail(`leader ${id} of term ${term} advanced its commit index to ${commit}, an entry of term ${t}`);
  }

  /** A new leader's durable log must hold every committed entry. */
  leaderComplete(id: ReplicaId, term: number, log: DurableLog): void {
    const first = log.firstIndex();
    if (log.lastIndex() < this.committed) {
      fail(`leader ${id} of term ${term} has last index ${log.lastIndex()} < commit ${this.committed}`);
    }
    for (let i = Math.max(1, first - 1); i <= this.committed; i++) {
      if (log.term(i) !== this.historyTerm[i]) {
        fail(`leader ${id} of term ${term} has term ${log.term(i)} at committed index ${i} (history: ${this.historyTerm[i]})`);
      }
    }
  }

  /** `id` applied `e`, which must be the next entry of the history. */
  applied(id: ReplicaId, e: Entry, previous: number): void {
    if (e.index !== previous + 1) fail(`replica ${id} applied index ${e.index} after ${previous}`);
    if (e.index > this.committed) fail(`replica ${id} applied index ${e.index} beyond commit ${this.committed}`);
    this.checkCommitted(id, e, 'applied');
  }

  /** A read started when `floor` was committed was answered at `index`. */
  readServed(id: ReplicaId, index: number, floor: number): void {
    if (index < floor) fail(`replica ${id} served a read at index ${index} < commit ${floor} when the read began`);
  }

  historyEntryKind(index: number): Entry['kind'] | undefined {
    return this.historyKind[index];
  }
}
