import type { Env } from '../util/index.ts';
import type { BatchRequest, BatchResponse, Sender } from './api.ts';
import type { EngineReader, WriteBatch } from './engine.ts';
import { evaluateBatch } from './evaluate.ts';
import { LatchManager } from './latch-manager.ts';
import { rangeContainsSpan, type RangeDescriptor } from './range-descriptor.ts';
import { batchLatchSpans, requestAddressSpan } from './request-span.ts';

/** How a replica makes an evaluated write batch durable (group commit; later Raft). */
export type ApplyWriteBatch = (batch: WriteBatch) => Promise<void>;

export interface ReplicaConfig {
  readonly latchRequestsMax: number;
  readonly txnExpiryMs: number;
}

/**
 * One replica of a range on this store. A batch is checked against the range's bounds,
 * latched, evaluated into a write batch and responses, and the write batch is applied
 * before the latches are released, so a conflicting batch evaluates only after it can read
 * the effects. Evaluation and application are separate steps: Raft goes between them.
 */
export class Replica implements Sender {
  private readonly latches: LatchManager;

  constructor(
    private desc: RangeDescriptor,
    private readonly engine: EngineReader,
    private readonly apply: ApplyWriteBatch,
    private readonly env: Env,
    private readonly config: ReplicaConfig,
  ) {
    this.latches = new LatchManager(config.latchRequestsMax);
  }

  get descriptor(): RangeDescriptor {
    return this.desc;
  }

  /** Replaces the descriptor (after a split shrank the range). */
  setDescriptor(desc: RangeDescriptor): void {
    this.desc = desc;
  }

  /** Requests holding or waiting for latches (for tests and metrics). */
  get latchedRequests(): number {
    return this.latches.size;
  }

  async send(ba: BatchRequest): Promise<BatchResponse> {
    for (const req of ba.requests) {
      const span = requestAddressSpan(req, ba.header);
      if (!rangeContainsSpan(this.desc, span.startKey, span.endKey)) {
        return { ok: false, error: { kind: 'range-key-mismatch', descriptor: this.desc } };
      }
    }
    const guard = await this.latches.acquire(batchLatchSpans(ba.requests, ba.header));
    try {
      // The descriptor may have changed while we waited (a split); re-check after the await.
      for (const req of ba.requests) {
        const span = requestAddressSpan(req, ba.header);
        if (!rangeContainsSpan(this.desc, span.startKey, span.endKey)) {
          return { ok: false, error: { kind: 'range-key-mismatch', descriptor: this.desc } };
        }
      }
      const result = await evaluateBatch(this.engine, ba, {
        descriptor: this.desc,
        nowWall: this.env.clock.nowNanos(),
        txnExpiryMs: this.config.txnExpiryMs,
      });
      if (!result.ok) return result;
      if (result.writeBatch.size > 0) await this.apply(result.writeBatch);
      return { ok: true, responses: result.responses };
    } finally {
      guard.release();
    }
  }
}
