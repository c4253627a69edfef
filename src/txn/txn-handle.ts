import { assert, type Logger } from '../util/index.ts';
import {
  compareBytes,
  pointSpan,
  prettyKey,
  type BatchHeader,
  type KvRequest,
  type KvResponse,
  type KvSpan,
  type Timestamp,
  type TxnId,
  type TxnMeta,
} from '../kv/index.ts';
import type { TxnConfig } from './config.ts';
import type { HybridClock } from './hlc.ts';
import type { KvClient } from './kv-client.ts';
import { TxnError } from './txn-error.ts';
import type { IsolationLevel, KeyValue, ScanOptions, ScanResult, Span, Txn } from './txn.ts';

export interface TxnDeps {
  readonly kv: KvClient;
  readonly clock: HybridClock;
  readonly config: TxnConfig;
  readonly logger: Logger;
  /** Starts a periodic heartbeat; returns its stopper. */
  readonly startHeartbeat: (beat: () => Promise<void>) => () => void;
}

function isOnePhaseFallback(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'kv-error' && err.message.includes('one-phase commit must not span ranges');
}

/**
 * One transaction (the Txn contract in txn.ts). Reads and writes happen at one timestamp;
 * writes are buffered and sent on flush/commit (reads flush first). A txn whose writes all
 * go out with its commit commits in one phase: one batch, no intents, no record. Otherwise
 * its first flush creates the txn record (heartbeated from then on) and lays intents, and
 * the commit batch resolves them.
 */
export class TxnHandle implements Txn {
  status: 'pending' | 'committed' | 'aborted' = 'pending';
  private ts: Timestamp;
  private buffer: KvRequest[] = [];
  private lockSpans: KvSpan[] = [];
  private anchorKey: Uint8Array | null = null;
  private recordWritten = false;
  private readsDone = false;
  private failure: Error | null = null;
  private stopHeartbeat: (() => void) | null = null;

  constructor(
    readonly id: TxnId,
    readonly isolation: IsolationLevel,
    private readonly implicit: boolean,
    private readonly deps: TxnDeps,
  ) {
    this.ts = deps.clock.now();
  }

  get startNanos(): bigint {
    return this.ts.wall;
  }

  /**
   * The txn as kv sees it. Before the first write there is no anchor yet; reads still carry
   * the id (the timestamp cache must know its own reads from others').
   */
  private meta(): TxnMeta {
    return { id: this.id, anchorKey: this.anchorKey ?? new Uint8Array(0), epoch: 0, writeTimestamp: this.ts };
  }

  private header(): BatchHeader {
    return { timestamp: this.ts, txn: this.meta() };
  }

  private checkUsable(): void {
    if (this.status !== 'pending') throw new TxnError('txn-aborted', `transaction ${this.id} is already ${this.status}`);
    if (this.failure !== null) throw new TxnError('txn-aborted', `transaction ${this.id} failed earlier and can only be rolled back`, { cause: this.failure });
  }

  private buffered(req: KvRequest, firstKey: Uint8Array): void {
    this.checkUsable();
    this.anchorKey ??= firstKey;
    this.buffer.push(req);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.buffered({ kind: 'put', key, value }, key);
  }

  insert(key: Uint8Array, value: Uint8Array): void {
    this.buffered({ kind: 'conditional-put', key, value, expected: 'absent' }, key);
  }

  del(key: Uint8Array): void {
    this.buffered({ kind: 'delete', key }, key);
  }

  delRange(span: Span): void {
    assert(compareBytes(span.startKey, span.endKey) < 0, () => `empty delRange span at ${prettyKey(span.startKey)}`);
    this.buffered({ kind: 'delete-range', span: { startKey: span.startKey, endKey: span.endKey } }, span.startKey);
  }

  /** Sends `requests` on behalf of the txn; any error poisons the txn (rollback only). */
  private async send(requests: readonly KvRequest[]): Promise<readonly KvResponse[]> {
    try {
      return await this.deps.kv.send({ header: this.header(), requests });
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  async flush(): Promise<void> {
    this.checkUsable();
    if (this.buffer.length === 0) return;
    const writes = this.buffer;
    this.buffer = [];
    const requests: KvRequest[] = this.recordWritten ? writes : [{ kind: 'heartbeat-txn' }, ...writes];
    await this.send(requests);
    this.recordWritten = true;
    this.noteLockSpans(writes);
    this.stopHeartbeat ??= this.deps.startHeartbeat(() => this.heartbeat());
  }

  private noteLockSpans(writes: readonly KvRequest[]): void {
    for (const w of writes) {
      if (w.kind === 'put' || w.kind === 'conditional-put' || w.kind === 'delete') this.lockSpans.push(pointSpan(w.key));
      else if (w.kind === 'delete-range') this.lockSpans.push(w.span);
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.status !== 'pending' || this.anchorKey === null) return;
    const responses = await this.deps.kv.send({ header: this.header(), requests: [{ kind: 'heartbeat-txn' }] });
    const r = responses[0];
    if (r?.kind === 'heartbeat-txn' && r.status === 'aborted' && this.failure === null) {
      this.failure = new TxnError('txn-aborted', `transaction ${this.id} was aborted by a conflicting transaction`);
    }
  }

  async get(key: Uint8Array): Promise<Uint8Array | null> {
    const [value] = await this.getMany([key]);
    return value ?? null;
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    await this.flush();
    if (keys.length === 0) return [];
    this.readsDone = true;
    const responses = await this.send(keys.map((key) => ({ kind: 'get', key })));
    return responses.map((r) => {
      assert(r.kind === 'get', 'get answered with another kind');
      return r.value;
    });
  }

  async scan(span: Span, options: ScanOptions = {}): Promise<ScanResult> {
    await this.flush();
    this.readsDone = true;
    const [r] = await this.send([
      { kind: 'scan', span: { startKey: span.startKey, endKey: span.endKey }, reverse: options.reverse === true, limit: options.limit ?? 0 },
    ]);
    assert(r?.kind === 'scan', 'scan answered with another kind');
    return { rows: r.rows as readonly KeyValue[], resumeSpan: r.resumeSpan };
  }

  async commit(): Promise<void> {
    this.checkUsable();
    try {
      if (!this.recordWritten && this.buffer.length === 0) {
        this.status = 'committed'; // read-only: nothing to do
        return;
      }
      if (!this.recordWritten) await this.commitOnePhase();
      else await this.commitTwoPhase();
      this.status = 'committed';
    } finally {
      if (this.status !== 'pending') this.finish();
    }
  }

  private async commitOnePhase(): Promise<void> {
    const writes = this.buffer;
    const spans: KvSpan[] = [];
    for (const w of writes) if (w.kind !== 'delete-range' && 'key' in w) spans.push(pointSpan(w.key));
    const requests: KvRequest[] = [...writes, { kind: 'end-txn', commit: true, lockSpans: spans, onePhase: true }];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.kv.send({ header: this.header(), requests });
        this.buffer = [];
        return;
      } catch (err) {
        if (isOnePhaseFallback(err)) {
          await this.flush();
          await this.commitTwoPhase();
          return;
        }
        // An implicit txn that read nothing may move to a newer timestamp: its writes do
        // not depend on what it would have read.
        const retryable = err instanceof TxnError && err.code === 'txn-retry' && this.implicit && !this.readsDone;
        if (!retryable || attempt >= this.deps.config.implicitRetriesMax) {
          this.failure = err instanceof Error ? err : new Error(String(err));
          throw err;
        }
        this.ts = this.deps.clock.now();
      }
    }
  }

  private async commitTwoPhase(): Promise<void> {
    const writes = this.buffer;
    this.buffer = [];
    this.noteLockSpans(writes);
    await this.send([...writes, { kind: 'end-txn', commit: true, lockSpans: this.lockSpans, onePhase: false }]);
  }

  async rollback(): Promise<void> {
    if (this.status !== 'pending') return;
    this.status = 'aborted';
    this.buffer = [];
    this.finish();
    if (!this.recordWritten) return;
    try {
      await this.deps.kv.send({ header: this.header(), requests: [{ kind: 'end-txn', commit: false, lockSpans: this.lockSpans, onePhase: false }] });
    } catch (err) {
      // Intents left behind are cleaned up by pushers once the record expires.
      this.deps.logger.warn({ err, txn: this.id }, 'rollback could not clean up its intents');
    }
  }

  private finish(): void {
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
  }
}
