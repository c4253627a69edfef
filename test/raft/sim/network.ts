/**
 * A simulated network for the Raft simulator. Time is counted in integer steps. A sent
 * message may be dropped, duplicated, or delayed by a random number of steps (which
 * reorders it with respect to others); directed links can be cut to build full and
 * asymmetric partitions. Delivery to a crashed replica is a drop, decided at delivery.
 */
import type { Message, ReplicaId } from '../../../src/raft/index.ts';
import type { Random } from '../../../src/util/index.ts';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Delivery delay in steps is uniform in [1, delayMax]. */
  delayMax: number;
}

const SLOTS = 128; // ring of delivery buckets; delays stay below it

export class SimNetwork {
  private readonly buckets: Message[][] = Array.from({ length: SLOTS }, () => []);
  private readonly cut = new Set<number>();
  inFlight = 0;

  constructor(
    private readonly random: Random,
    public faults: NetworkFaults,
  ) {}

  private static link(from: ReplicaId, to: ReplicaId): number {
    return from * 1024 + to;
  }

  isCut(from: ReplicaId, to: ReplicaId): boolean {
    return this.cut.has(SimNetwork.link(from, to));
  }

  /** Cuts from -> to (one direction). */
  cutLink(from: ReplicaId, to: ReplicaId): void {
    this.cut.add(SimNetwork.link(from, to));
  }

  /** Splits `ids` into two sides with no link between them in either direction. */
  partition(sideA: readonly ReplicaId[], sideB: readonly ReplicaId[]): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.cutLink(a, b);
        this.cutLink(b, a);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  get partitioned(): boolean {
    return this.cut.size > 0;
  }

  /**
   * Sends `m` at step `now`. Returns false if it is certainly lost (cut link or dropped),
   * so the caller can report the failure (snapshots, unreachable peers).
   */
  send(m: Message, now: number): boolean {
    if (this.isCut(m.from, m.to)) return false;
    if (this.random.next() < this.faults.dropRate) return false;
    this.enqueue(m, now);
    if (this.random.next() < this.faults.duplicateRate) this.enqueue(m, now);
    return true;
  }

  private enqueue(m: Message, now: number): void {
    const delay = 1 + this.random.int(Math.min(this.faults.delayMax, SLOTS - 1));
    this.buckets[(now + delay) % SLOTS]!.push(m);
    this.inFlight++;
  }

  /** Takes the messages due at step `now`, in the order they were sent. */
  due(now: number): Message[] {
    const slot = now % SLOTS;
    const msgs = this.buckets[slot]!;
    if (msgs.length === 0) return msgs;
    this.buckets[slot] = [];
    this.inFlight -= msgs.length;
    return msgs;
  }
}
