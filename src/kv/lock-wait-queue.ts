/**
 * The lock wait-queue of a store: who waits for which locked key, and the waits-for graph
 * between transactions that this implies. Pure and synchronous: the driver
 * (lock-wait-sender.ts) owns the promises and timers; this structure only decides.
 *
 * A waiter is one blocked batch. It waits on the keys whose intents stopped it and, when it
 * belongs to a transaction, adds an edge "waiter txn -> holder txn" for each holder. A new
 * edge that closes a cycle is a deadlock; the waiter that closes it is the victim (as in
 * PostgreSQL, where the session that finds the cycle gets 40P01), so every cycle is broken
 * exactly once and by a transaction that is not doing anything else.
 *
 * Releases (an intent resolved or removed) wake every waiter of the key in arrival order;
 * the woken batches re-evaluate under the replica's FIFO latches. A release that happened
 * between a batch's evaluation and its enqueueing must not be missed: callers pass the
 * release sequence number they saw before evaluating, and `enqueue` answers 'released'
 * when one of the keys was released since.
 */
import { assert } from '../util/index.ts';
import { compareBytes, fromHex, toHex } from './bytes.ts';
import type { TxnId } from './txn-meta.ts';

export type WaiterId = number & { readonly __brand: 'WaiterId' };

export interface WaitRequest {
  readonly waiter: WaiterId;
  /** The waiting transaction, or null for a non-transactional batch (no graph edges). */
  readonly txnId: TxnId | null;
  /** The locked keys (user keys) the batch met. */
  readonly keys: readonly Uint8Array[];
  /** The transactions holding them (parallel to `keys`). */
  readonly holders: readonly TxnId[];
  /** `releaseSeq` as read before the batch was evaluated. */
  readonly sinceSeq: number;
}

export type EnqueueResult =
  | { readonly kind: 'waiting' }
  /** One of the keys was released after `sinceSeq`: re-evaluate at once. */
  | { readonly kind: 'released' }
  /** Waiting would close a cycle; `cycle` starts and ends with the waiter's txn. */
  | { readonly kind: 'deadlock'; readonly cycle: readonly TxnId[] }
  /** `waitersMax` reached: the caller answers as if it had not waited. */
  | { readonly kind: 'full' };

interface Waiter {
  readonly txnId: TxnId | null;
  readonly keys: readonly string[];
  readonly holders: readonly TxnId[];
}

export interface LockWaitQueueLimits {
  /** Batches waiting at once, at most. */
  readonly waitersMax: number;
  /** Keys remembered as recently released; beyond it, older releases count as "maybe". */
  readonly recentReleasesMax: number;
}

export class LockWaitQueue {
  private seq = 0;
  private readonly waiters = new Map<WaiterId, Waiter>();
  /** Waiters per key (hex), in arrival order. */
  private readonly byKey = new Map<string, WaiterId[]>();
  /** Waits-for edges: waiter txn -> holder txn -> how many waiters of the txn wait on it. */
  private readonly edges = new Map<TxnId, Map<TxnId, number>>();
  /** Recently released keys with their release sequence number, in two generations. */
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  /** Recently released spans (delete-range and span resolutions), oldest first. */
  private readonly spanReleases: { start: string; end: string; seq: number }[] = [];
  /** Releases with a sequence number at or below this one are no longer remembered by key. */
  private forgottenUpTo = 0;

  constructor(private readonly limits: LockWaitQueueLimits) {
    assert(limits.waitersMax > 0 && limits.recentReleasesMax > 0, 'lock wait-queue limits must be positive');
  }

  /** Increases with every release; read it before evaluating a batch that may wait. */
  get releaseSeq(): number {
    return this.seq;
  }

  get size(): number {
    return this.waiters.size;
  }

  enqueue(req: WaitRequest): EnqueueResult {
    assert(!this.waiters.has(req.waiter), 'waiter enqueued twice');
    assert(req.keys.length > 0 && req.keys.length === req.holders.length, 'a waiter needs keys and their holders');
    const keys = req.keys.map((k) => toHex(k));
    if (keys.some((k) => this.releasedSince(k, req.sinceSeq))) return { kind: 'released' };
    if (req.txnId !== null) {
      for (const holder of req.holders) {
        assert(holder !== req.txnId, 'a transaction cannot wait for itself');
        const path = this.pathBetween(holder, req.txnId);
        if (path !== null) return { kind: 'deadlock', cycle: [req.txnId, ...path] };
      }
    }
    if (this.waiters.size >= this.limits.waitersMax) return { kind: 'full' };
    this.waiters.set(req.waiter, { txnId: req.txnId, keys, holders: req.holders });
    for (const k of keys) {
      const list = this.byKey.get(k);
      if (list === undefined) this.byKey.set(k, [req.waiter]);
      else if (!list.includes(req.waiter)) list.push(req.waiter);
    }
    if (req.txnId !== null) for (const h of req.holders) this.addEdge(req.txnId, h, 1);
    return { kind: 'waiting' };
  }

  /** Removes a waiter (woken, timed out or cancelled); a no-op for an unknown one. */
  remove(waiter: WaiterId): void {
    const w = this.waiters.get(waiter);
    if (w === undefined) return;
    this.waiters.delete(waiter);
    for (const k of w.keys) {
      const list = this.byKey.get(k);
      if (list === undefined) continue;
      const rest = list.filter((x) => x !== waiter);
      if (rest.length === 0) this.byKey.delete(k);
      else this.byKey.set(k, rest);
    }
    if (w.txnId !== null) for (const h of w.holders) this.addEdge(w.txnId, h, -1);
  }

  /**
   * The locks on `keys` were released (or replaced): returns their waiters, in arrival
   * order, and removes them from the queue.
   */
  release(keys: readonly Uint8Array[]): WaiterId[] {
    this.seq++;
    const woken: WaiterId[] = [];
    for (const key of keys) {
      const k = toHex(key);
      this.remember(k);
      for (const w of this.byKey.get(k) ?? []) if (!woken.includes(w)) woken.push(w);
    }
    for (const w of woken) this.remove(w);
    return woken;
  }

  /** Like `release` for every waited-on key in [startKey, endKey). */
  releaseSpan(startKey: Uint8Array, endKey: Uint8Array): WaiterId[] {
    const start = toHex(startKey);
    const end = toHex(endKey);
    // Hex of bytes preserves byte order, so the span can be checked on the strings.
    const inside = [...this.byKey.keys()].filter((k) => k >= start && k < end);
    assert(compareBytes(startKey, endKey) <= 0, 'release span out of order');
    const woken = this.release(inside.map((k) => fromHex(k)));
    // A release of a span nobody waits in still counts, for batches about to enqueue there.
    this.spanReleases.push({ start, end, seq: this.seq });
    if (this.spanReleases.length > this.limits.recentReleasesMax) {
      const dropped = this.spanReleases.shift();
      if (dropped !== undefined) this.forgottenUpTo = Math.max(this.forgottenUpTo, dropped.seq);
    }
    return woken;
  }

  private remember(k: string): void {
    this.current.set(k, this.seq);
    if (this.current.size < this.limits.recentReleasesMax) return;
    // Rotate: the previous generation is forgotten, so releases up to its newest are "maybe".
    for (const s of this.previous.values()) this.forgottenUpTo = Math.max(this.forgottenUpTo, s);
    this.previous = this.current;
    this.current = new Map();
  }

  private releasedSince(k: string, since: number): boolean {
    if (since < this.forgottenUpTo) return true;
    const at = this.current.get(k) ?? this.previous.get(k);
    if (at !== undefined && at > since) return true;
    return this.spanReleases.some((s) => s.seq > since && k >= s.start && k < s.end);
  }

  private addEdge(from: TxnId, to: TxnId, delta: number): void {
    const out = this.edges.get(from) ?? new Map<TxnId, number>();
    const n = (out.get(to) ?? 0) + delta;
    assert(n >= 0, 'waits-for edge count below zero');
    if (n === 0) out.delete(to);
    else out.set(to, n);
    if (out.size === 0) this.edges.delete(from);
    else this.edges.set(from, out);
  }

  /** A waits-for path from `from` to `to` (both included), or null. Breadth-first, bounded by the graph. */
  private pathBetween(from: TxnId, to: TxnId): TxnId[] | null {
    const parent = new Map<TxnId, TxnId | null>([[from, null]]);
    const queue: TxnId[] = [from];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i] as TxnId;
      if (at === to) {
        const path: TxnId[] = [];
        for (let p: TxnId | null = at; p !== null; p = parent.get(p) ?? null) path.unshift(p);
        return path;
      }
      for (const next of this.edges.get(at)?.keys() ?? []) {
        if (parent.has(next)) continue;
        parent.set(next, at);
        queue.push(next);
      }
    }
    return null;
  }

  /** The waits-for edges (for tests and introspection), sorted. */
  waitsFor(): [TxnId, TxnId][] {
    const out: [TxnId, TxnId][] = [];
    for (const [from, tos] of this.edges) for (const to of tos.keys()) out.push([from, to]);
    return out.sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1));
  }
}
