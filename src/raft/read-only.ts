/**
 * ReadIndex bookkeeping on the leader (Raft thesis §6.4). A read request records the
 * commit index at the time it arrives; the leader then broadcasts a heartbeat carrying the
 * request's context, and once a quorum has acknowledged that heartbeat the leader knows it
 * was still the leader when the request arrived, so reading at that index is linearizable.
 * Requests are answered in arrival order: a quorum ack for a later request also confirms
 * every earlier one.
 */
import { assert } from '../util/index.ts';
import type { ReplicaId } from './types.ts';

export interface PendingRead {
  readonly index: number;
  /** Who asked: the leader itself or a follower that forwarded the request. */
  readonly from: ReplicaId;
  readonly ctx: Uint8Array;
  readonly acks: Set<ReplicaId>;
}

/** A Uint8Array as a map key (contexts are small request ids). */
export function ctxKey(ctx: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ctx.length; i++) s += String.fromCharCode(ctx[i]!);
  return s;
}

export class ReadOnlyQueue {
  private readonly pending = new Map<string, PendingRead>();
  private queue: string[] = [];

  constructor(readonly requestsMax: number) {}

  get size(): number {
    return this.queue.length;
  }

  /** Adds a request unless the same context is already pending or the queue is full. */
  add(index: number, from: ReplicaId, ctx: Uint8Array, self: ReplicaId): 'added' | 'duplicate' | 'full' {
    const key = ctxKey(ctx);
    if (this.pending.has(key)) return 'duplicate';
    if (this.queue.length >= this.requestsMax) return 'full';
    this.pending.set(key, { index, from, ctx, acks: new Set([self]) });
    this.queue.push(key);
    return 'added';
  }

  /** Records `id`'s acknowledgement of the heartbeat for `ctx`; returns its ack set. */
  recordAck(id: ReplicaId, ctx: Uint8Array): ReadonlySet<ReplicaId> | undefined {
    const p = this.pending.get(ctxKey(ctx));
    if (p === undefined) return undefined;
    p.acks.add(id);
    return p.acks;
  }

  /** Removes and returns the request for `ctx` and every request queued before it. */
  releaseThrough(ctx: Uint8Array): PendingRead[] {
    const key = ctxKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const released: PendingRead[] = [];
    for (const k of this.queue.slice(0, at + 1)) {
      const p = this.pending.get(k);
      assert(p !== undefined, 'queued read without a pending entry');
      released.push(p);
      this.pending.delete(k);
    }
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  /** The context of the newest pending request (heartbeats carry it). */
  lastCtx(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)?.ctx;
  }

  clear(): void {
    this.pending.clear();
    this.queue = [];
  }
}
