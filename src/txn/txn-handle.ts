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
  /** What this txn read (points and scanned spans), to refresh when its timestamp moves. */
  private readSpans: KvSpan[] = [];
  readonly startNanos: bigint;
  private failure: Error | null = null;
  private stopHeartbeat: (() => void) | null = null;

  /** See Txn.lockTimeoutMs. */
  lockTimeoutMs = 0;

  constructor(
    readonly id: TxnId,
    readonly isolation: IsolationLevel,
    private readonly implicit: boolean,
    private readonly deps: TxnDeps,
  ) {
    this.ts = deps.clock.now();
    this.startNanos = this.ts.wall;
    void this.implicit; // implicit txns need nothing special yet: refresh retries every txn
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

  /**
   * Sends `requests` on behalf of the txn; any error poisons the txn (rollback only). A
   * write batch refused because of a newer write or read (`retryTimestamp`) is retried at
   * a newer timestamp if the txn's reads still hold there (read refresh).
   */
  private async send(requests: readonly KvRequest[]): Promise<readonly KvResponse[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.kv.send({ header: this.header(), requests }, this.lockTimeoutMs);
      } catch (err) {
        const movable = err instanceof TxnError && err.retryTimestamp !== undefined && attempt < this.deps.config.txnRefreshesMax;
        if (movable && (await this.refresh())) continue;
        this.failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      }
    }
  }

  /** Moves the txn to a new timestamp if nothing it read changed since; false otherwise. */
  private async refresh(): Promise<boolean> {
    const from = this.ts;
    const to = this.deps.clock.now(); // the HLC already folded in the conflicting timestamp
    if (this.readSpans.length > 0) {
      try {
        await this.deps.kv.send({
          header: { timestamp: to, txn: { ...this.meta(), writeTimestamp: to } },
          requests: this.readSpans.map((span) => ({ kind: 'refresh', span, fromTimestamp: from })),
        });
      } catch (err) {
        if (err instanceof TxnError && err.code === 'txn-retry') return false;
        throw err;
      }
    }
    this.ts = to;
    return true;
  }

  private noteRead(span: KvSpan): void {
    this.readSpans.push(span);
    if (this.readSpans.length > this.deps.config.txnReadSpansMax) {
      let startKey = span.startKey;
      let endKey = span.endKey;
      for (const s of this.readSpans) {
        if (compareBytes(s.startKey, startKey) < 0) startKey = s.startKey;
        if (compareBytes(s.endKey, endKey) > 0) endKey = s.endKey;
      }
      this.readSpans = [{ startKey, endKey }];
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
    const responses = await this.send(keys.map((key) => ({ kind: 'get', key })));
    for (const key of keys) this.noteRead(pointSpan(key));
    return responses.map((r) => {
      assert(r.kind === 'get', 'get answered with another kind');
      return r.value;
    });
  }

  async scan(span: Span, options: ScanOptions = {}): Promise<ScanResult> {
    await this.flush();
    const reverse = options.reverse === true;
    const [r] = await this.send([{ kind: 'scan', span: { startKey: span.startKey, endKey: span.endKey }, reverse, limit: options.limit ?? 0 }]);
    assert(r?.kind === 'scan', 'scan answered with another kind');
    const resume = r.resumeSpan;
    this.noteRead(
      resume === null
        ? span
        : reverse
          ? { startKey: resume.endKey, endKey: span.endKey }
          : { startKey: span.startKey, endKey: resume.startKey },
    );
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
    try {
      await this.send([...writes, { kind: 'end-txn', commit: true, lockSpans: spans, onePhase: true }]);
      this.buffer = [];
    } catch (err) {
      if (!isOnePhaseFallback(err)) throw err;
      // The writes span ranges: lay intents, then commit in two phases.
      this.failure = null;
      await this.flush();
      await this.commitTwoPhase();
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
