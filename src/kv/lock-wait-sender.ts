/**
 * The driver of a store's lock wait-queue: a Sender in front of the store. A batch that
 * meets other transactions' intents and asks to wait (`header.lockWaitMs`) is parked in
 * the queue until one of those locks is released, its wait runs out, or waiting would
 * close a waits-for cycle ('deadlock'). Released means: a batch through this sender
 * resolved or removed the intent (`resolve-intent`, or `end-txn` over its lock spans), so
 * every writer of the store must go through the same LockWaitSender.
 *
 * Pushing a live holder and cleaning up after a dead one stay with the caller (the txn
 * layer's KvClient): it waits in slices and pushes between them.
 */
import type { Clock } from '../util/index.ts';
import type { BatchRequest, BatchResponse, KvRequest, Sender } from './api.ts';
import { compareBytes, keyNext } from './bytes.ts';
import type { KvConfig } from './config.ts';
import { LockWaitQueue, type WaiterId } from './lock-wait-queue.ts';
import type { Timers } from './rpc/timers.ts';
import type { Intent } from './txn-meta.ts';

type WaitOutcome =
  | { readonly kind: 'woken' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'deadlock'; readonly cycle: readonly Intent['txn']['id'][] };

export class LockWaitSender implements Sender {
  readonly queue: LockWaitQueue;
  /** Counters for tests and metrics. */
  readonly stats = { waits: 0, wakeups: 0, timeouts: 0, deadlocks: 0 };
  private nextWaiter = 1;
  private readonly wakers = new Map<WaiterId, () => void>();

  constructor(
    private readonly inner: Sender,
    private readonly clock: Clock,
    private readonly timers: Timers,
    config: Pick<KvConfig, 'lockWaitersMax' | 'lockRecentReleasesMax'>,
  ) {
    this.queue = new LockWaitQueue({ waitersMax: config.lockWaitersMax, recentReleasesMax: config.lockRecentReleasesMax });
  }

  async send(ba: BatchRequest): Promise<BatchResponse> {
    const budgetMs = ba.header.lockWaitMs ?? 0;
    const deadline = this.clock.monotonicMs() + budgetMs;
    for (;;) {
      const since = this.queue.releaseSeq;
      const res = await this.inner.send(ba);
      if (res.ok) {
        this.noteReleases(ba.requests);
        return res;
      }
      if (res.error.kind !== 'write-intent' || budgetMs <= 0) return res;
      const remainingMs = deadline - this.clock.monotonicMs();
      const own = ba.header.txn?.id ?? null;
      const blocking = res.error.intents.filter((i) => i.txn.id !== own);
      if (remainingMs <= 0 || blocking.length === 0) return res;
      const outcome = await this.wait(own, blocking, since, remainingMs);
      if (outcome.kind === 'timeout') return res;
      if (outcome.kind === 'deadlock') {
        this.stats.deadlocks++;
        return { ok: false, error: { kind: 'deadlock', txnId: own as Intent['txn']['id'], cycle: outcome.cycle } };
      }
    }
  }

  private wait(txnId: Intent['txn']['id'] | null, blocking: readonly Intent[], sinceSeq: number, timeoutMs: number): Promise<WaitOutcome> {
    const waiter = this.nextWaiter++ as WaiterId;
    const enqueued = this.queue.enqueue({ waiter, txnId, keys: blocking.map((i) => i.key), holders: blocking.map((i) => i.txn.id), sinceSeq });
    switch (enqueued.kind) {
      case 'released':
        return Promise.resolve({ kind: 'woken' });
      case 'full':
        return Promise.resolve({ kind: 'timeout' });
      case 'deadlock':
        return Promise.resolve({ kind: 'deadlock', cycle: enqueued.cycle });
      case 'waiting':
        break;
    }
    this.stats.waits++;
    return new Promise<WaitOutcome>((resolve) => {
      const timer = this.timers.setTimeout(() => {
        this.wakers.delete(waiter);
        this.queue.remove(waiter);
        this.stats.timeouts++;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.wakers.set(waiter, () => {
        this.timers.clearTimeout(timer);
        this.stats.wakeups++;
        resolve({ kind: 'woken' });
      });
    });
  }

  /** Wakes the waiters of every lock the successful batch released. */
  private noteReleases(requests: readonly KvRequest[]): void {
    for (const req of requests) {
      if (req.kind === 'resolve-intent') this.wake(this.releaseSpan(req.span.startKey, req.span.endKey));
      if (req.kind === 'end-txn' && !req.onePhase) for (const s of req.lockSpans) this.wake(this.releaseSpan(s.startKey, s.endKey));
    }
  }

  private releaseSpan(startKey: Uint8Array, endKey: Uint8Array): WaiterId[] {
    if (compareBytes(endKey, keyNext(startKey)) === 0) return this.queue.release([startKey]);
    return this.queue.releaseSpan(startKey, endKey);
  }

  private wake(waiters: readonly WaiterId[]): void {
    for (const w of waiters) {
      const wake = this.wakers.get(w);
      this.wakers.delete(w);
      wake?.();
    }
  }
}
