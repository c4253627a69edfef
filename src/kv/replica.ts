import { assert, type Env } from '../util/index.ts';
import type { BatchRequest, BatchResponse, KvError, KvResponse, KvSpan, Sender } from './api.ts';
import { compareBytes } from './bytes.ts';
import { TimestampCache } from './timestamp-cache.ts';
import type { Timestamp } from './timestamp.ts';
import type { EngineReader, WriteBatch } from './engine.ts';
import { evaluateBatch } from './evaluate.ts';
import type { MvccCache } from './mvcc-cache.ts';
import { LatchManager } from './latch-manager.ts';
import { rangeContainsSpan, type RangeDescriptor } from './range-descriptor.ts';
import { batchLatchSpans, requestAddressSpan } from './request-span.ts';

export type LeaseCheck = { readonly ok: true; readonly leaseSeq: number } | { readonly ok: false; readonly error: KvError };

/**
 * The seam between a replica's evaluation and its range's Raft group (see range-group.ts):
 * whether this replica may serve now (holds a valid lease, acquiring it when it is the
 * Raft leader), and proposing an evaluated write batch, resolved once applied here.
 */
export interface ReplicaReplication {
  leaseForRequest(): LeaseCheck | Promise<LeaseCheck>;
  propose(batch: WriteBatch, leaseSeq: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: KvError }>;
}

export interface ReplicaConfig {
  readonly latchRequestsMax: number;
  readonly txnExpiryMs: number;
  readonly tsCachePointsMax: number;
  readonly tsCacheSpansMax: number;
}

/**
 * One replica of a range on this store. A batch is checked against the range's bounds,
 * latched, evaluated into a write batch and responses, and the write batch is applied
 * before the latches are released, so a conflicting batch evaluates only after it can read
 * the effects. Evaluation and application are separate steps: Raft goes between them.
 */
export class Replica implements Sender {
  private readonly latches: LatchManager;
  private readonly tsCache: TimestampCache;

  constructor(
    private desc: RangeDescriptor,
    private readonly engine: EngineReader,
    private readonly replication: ReplicaReplication,
    private readonly env: Env,
    private readonly config: ReplicaConfig,
    /** Reads below it may have been served before this replica existed (see TimestampCache). */
    tsCacheLowWater: Timestamp,
    /** The store's lock mirror and newest-version cache (kept exact by the engine's writes). */
    private readonly mvccCache: MvccCache | null = null,
  ) {
    this.latches = new LatchManager(config.latchRequestsMax);
    this.tsCache = new TimestampCache(tsCacheLowWater, config.tsCachePointsMax, config.tsCacheSpansMax);
  }

  get descriptor(): RangeDescriptor {
    return this.desc;
  }

  /** Waits until this replica holds the lease (or knows who does). */
  async acquireLease(): Promise<LeaseCheck> {
    return this.replication.leaseForRequest();
  }

  /** A new lease starts here: reads before its start may have been served elsewhere. */
  leaseAcquired(start: Timestamp): void {
    this.tsCache.raiseLowWater(start);
  }

  /** Replaces the descriptor (after a split shrank the range). */
  setDescriptor(desc: RangeDescriptor): void {
    this.desc = desc;
  }

  /** Requests holding or waiting for latches (for tests and metrics). */
  get latchedRequests(): number {
    return this.latches.size;
  }

  /** Remembers what the batch read (before latches are released: later writers see it). */
  private recordReads(ba: BatchRequest, responses: readonly KvResponse[]): void {
    if (ba.header.readConsistency === 'inconsistent') return;
    const txnId = ba.header.txn?.id ?? null;
    ba.requests.forEach((req, i) => {
      if (req.kind === 'get') this.tsCache.recordPointRead(req.key, ba.header.timestamp, txnId);
      if (req.kind === 'refresh') this.tsCache.recordRead(req.span, ba.header.timestamp, txnId);
      if (req.kind !== 'scan') return;
      const res = responses[i];
      assert(res?.kind === 'scan', 'scan answered with another kind');
      // Only the part actually scanned: a limited scan did not read past its resume span.
      const resume = res.resumeSpan;
      const span =
        resume === null ? req.span : req.reverse === true ? { startKey: resume.endKey, endKey: req.span.endKey } : { startKey: req.span.startKey, endKey: resume.startKey };
      if (compareBytes(span.startKey, span.endKey) < 0) this.tsCache.recordRead(span, ba.header.timestamp, txnId);
    });
  }

  private containsAll(spans: readonly KvSpan[]): boolean {
    for (const span of spans) if (!rangeContainsSpan(this.desc, span.startKey, span.endKey)) return false;
    return true;
  }

  async send(ba: BatchRequest): Promise<BatchResponse> {
    const spans = ba.requests.map((req) => requestAddressSpan(req, ba.header));
    if (!this.containsAll(spans)) return { ok: false, error: { kind: 'range-key-mismatch', descriptor: this.desc } };
    // Inconsistent reads (range lookups) may be served by any replica; all else needs the lease.
    let leaseSeq = -1;
    if (ba.header.readConsistency !== 'inconsistent') {
      const lease = this.replication.leaseForRequest();
      const checked = lease instanceof Promise ? await lease : lease;
      if (!checked.ok) return checked;
      leaseSeq = checked.leaseSeq;
    }
    const guard = await this.latches.acquire(batchLatchSpans(ba.requests, ba.header));
    try {
      // The descriptor may have changed while we waited (a split); re-check after the await.
      if (!this.containsAll(spans)) return { ok: false, error: { kind: 'range-key-mismatch', descriptor: this.desc } };
      const result = await evaluateBatch(this.engine, ba, {
        descriptor: this.desc,
        nowWall: this.env.clock.nowNanos(),
        txnExpiryMs: this.config.txnExpiryMs,
        maxReadTs: (key, txnId) => this.tsCache.maxReadBy(key, txnId),
        mvccCache: this.mvccCache,
      });
      if (!result.ok) return result;
      this.recordReads(ba, result.responses);
      if (result.writeBatch.size > 0) {
        const proposed = await this.replication.propose(result.writeBatch, leaseSeq);
        if (!proposed.ok) return proposed;
      }
      return { ok: true, responses: result.responses };
    } finally {
      guard.release();
    }
  }
}
