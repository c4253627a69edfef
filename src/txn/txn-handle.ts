import { assert, TesseraError, type Logger } from '../util/index.ts';
import {
  compareBytes,
  pointSpan,
  prettyKey,
  tsCompare,
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

/** The key or span a write request touches. */
function writeSpan(w: KvRequest): KvSpan {
  if (w.kind === 'put' || w.kind === 'conditional-put' || w.kind === 'delete') return pointSpan(w.key);
  assert(w.kind === 'delete-range', () => `${w.kind} is not a buffered write`);
  return w.span;
}

function spansOverlap(a: KvSpan, b: KvSpan): boolean {
  return compareBytes(a.startKey, b.endKey) < 0 && compareBytes(b.startKey, a.endKey) < 0;
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
  /**
   * The top of the reads' uncertainty interval: the snapshot plus the maximum clock offset,
   * fixed when the snapshot is taken (per statement under READ COMMITTED). It does not move
   * with the timestamp: once the timestamp passes it, nothing is uncertain any more.
   */
  private uncertaintyLimit: Timestamp | null = null;
  private buffer: KvRequest[] = [];
  /**
   * Every write of the txn in order (for savepoints). The first `flushedCount` were
   * written (their flush succeeded), the first `sentCount` may have been (a failed flush
   * over several ranges can apply in part); the buffer is log[sentCount..]. Null once
   * longer than txnWritesLogMax.
   */
  private log: KvRequest[] | null = [];
  private flushedCount = 0;
  private sentCount = 0;
  private writesCount = 0;
  private lockSpans: KvSpan[] = [];
  private anchorKey: Uint8Array | null = null;
  private recordWritten = false;
  /** What this txn read (points and scanned spans), to refresh when its timestamp moves. */
  private readSpans: KvSpan[] = [];
  readonly startNanos: bigint;
  private failure: Error | null = null;
  private lockWait: { readonly waitMs?: number; readonly noWait?: boolean } = {};
  private hasRead = false;
  private stopHeartbeat: (() => void) | null = null;

  constructor(
    readonly id: TxnId,
    public isolation: IsolationLevel,
    private readonly implicit: boolean,
    private readonly deps: TxnDeps,
  ) {
    this.ts = deps.clock.now();
    this.startNanos = this.ts.wall;
    void this.implicit; // implicit txns need nothing special yet: refresh retries every txn
  }

  setIsolation(level: IsolationLevel): void {
    assert(this.readSpans.length === 0 && this.buffer.length === 0 && !this.recordWritten, 'isolation changed after the transaction started working');
    this.isolation = level;
  }

  beginStatement(): void {
    if (this.isolation !== 'read-committed' || this.status !== 'pending' || this.failure !== null) return;
    // A fresh snapshot: later than every commit that finished before the statement began.
    // Earlier statements' reads need not hold any more, so refresh only this one's.
    const now = this.deps.clock.now();
    if (tsCompare(now, this.ts) > 0) this.ts = now;
    this.readSpans = [];
    this.setUncertaintyLimit();
  }

  private setUncertaintyLimit(): void {
    const width = this.deps.config.readUncertaintyMs;
    this.uncertaintyLimit = width === 0 ? null : { wall: this.ts.wall + BigInt(width) * 1_000_000n, logical: this.ts.logical };
  }

  /**
   * The txn as kv sees it. Before the first write there is no anchor yet; reads still carry
   * the id (the timestamp cache must know its own reads from others').
   */
  private meta(): TxnMeta {
    return { id: this.id, anchorKey: this.anchorKey ?? new Uint8Array(0), epoch: 0, writeTimestamp: this.ts };
  }

  private header(): BatchHeader {
    const header: BatchHeader = { timestamp: this.ts, txn: this.meta() };
    return this.uncertaintyLimit === null || tsCompare(this.uncertaintyLimit, this.ts) <= 0 ? header : { ...header, uncertaintyLimit: this.uncertaintyLimit };
  }

  private checkUsable(): void {
    if (this.status !== 'pending') throw new TxnError('txn-aborted', `transaction ${this.id} is already ${this.status}`);
    if (this.failure !== null) throw new TxnError('txn-aborted', `transaction ${this.id} failed earlier and can only be rolled back`, { cause: this.failure });
  }

  private buffered(req: KvRequest, firstKey: Uint8Array): void {
    this.checkUsable();
    this.anchorKey ??= firstKey;
    this.buffer.push(req);
    this.writesCount++;
    if (this.log !== null && this.log.length >= this.deps.config.txnWritesLogMax) this.log = null;
    this.log?.push(req);
  }

  setLockWait(policy: 'block' | 'nowait', timeoutMs = 0): void {
    this.lockWait = policy === 'nowait' ? { noWait: true } : timeoutMs > 0 ? { waitMs: timeoutMs } : {};
  }

  savepoint(): number {
    this.checkUsable();
    return this.writesCount;
  }

  /**
   * Undoes the writes made after `savepoint`: buffered ones are dropped; sent ones have
   * their intents removed (resolve-intent 'aborted' on our own txn) and the earlier writes
   * to the same keys and spans are laid again, in order. Clears an earlier failure that
   * did not end the txn (e.g. duplicate-key).
   */
  async rollbackToSavepoint(savepoint: number): Promise<void> {
    if (this.status !== 'pending') throw new TxnError('txn-aborted', `transaction ${this.id} is already ${this.status}`);
    assert(savepoint >= 0 && savepoint <= this.writesCount, 'unknown savepoint');
    const log = this.log;
    if (log === null) throw new TesseraError('savepoint-too-large', `ROLLBACK TO SAVEPOINT is not supported after more than ${this.deps.config.txnWritesLogMax} writes`);
    if (savepoint < this.sentCount) {
      const undone = log.slice(savepoint, this.sentCount).map(writeSpan);
      const confirmed = log.slice(0, Math.min(savepoint, this.flushedCount));
      const meta = this.meta();
      const requests: KvRequest[] = undone.map((span) => ({ kind: 'resolve-intent', span, txn: meta, status: 'aborted', commitTimestamp: this.ts }));
      for (const w of confirmed) {
        if (!undone.some((u) => spansOverlap(u, writeSpan(w)))) continue;
        requests.push(w.kind === 'conditional-put' ? { kind: 'put', key: w.key, value: w.value } : w);
      }
      this.failure = null;
      await this.send(requests);
      this.flushedCount = confirmed.length;
      this.sentCount = this.flushedCount;
      this.lockSpans = confirmed.map(writeSpan);
    }
    // Writes before the savepoint that were not confirmed are sent again with the next flush.
    log.length = savepoint;
    this.writesCount = savepoint;
    this.buffer = log.slice(this.sentCount);
    this.failure = null;
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
        return await this.deps.kv.send({ header: this.header(), requests }, this.lockWait);
      } catch (err) {
        const movable = err instanceof TxnError && err.retryTimestamp !== undefined && attempt < this.deps.config.txnRefreshesMax;
        if (movable && (await this.refresh())) continue;
        this.failure = err instanceof Error ? err : new Error(String(err));
        // A conflict ends the txn: give its locks up now rather than when the client rolls
        // back (PostgreSQL releases a failed transaction's locks at the error too), so the
        // other side of a deadlock proceeds at once.
        // Under READ COMMITTED a serialization failure belongs to the statement: the caller
        // may undo it (rollbackToSavepoint) and run it again at a fresh snapshot.
        const statementLevel = this.isolation === 'read-committed' && err instanceof TxnError && err.code === 'txn-retry';
        if (err instanceof TxnError && err.code !== 'duplicate-key' && !statementLevel) await this.rollback();
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

  /**
   * The snapshot is taken at the first read, as PostgreSQL takes it at the first query, not
   * at BEGIN: with nothing read yet, moving the timestamp up needs no refresh. A locking read
   * that waits then reads above the holder's commit instead of below it (which would make
   * its lock write too old and the whole transaction retry).
   */
  private takeSnapshot(): void {
    if (this.hasRead) return;
    this.hasRead = true;
    const now = this.deps.clock.now();
    if (tsCompare(now, this.ts) > 0) this.ts = now;
    this.setUncertaintyLimit();
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
    this.sentCount = this.writesCount; // maybe written, even if the send fails part way
    const requests: KvRequest[] = this.recordWritten ? writes : [{ kind: 'heartbeat-txn' }, ...writes];
    await this.send(requests);
    this.flushedCount = this.sentCount;
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

  async getMany(keys: readonly Uint8Array[], options: { readonly lock?: boolean; readonly skipLocked?: boolean } = {}): Promise<(Uint8Array | null)[]> {
    await this.flush();
    if (keys.length === 0) return [];
    this.takeSnapshot();
    const lock = options.lock === true;
    const flags = lock ? { lock, ...(options.skipLocked === true ? { skipLocked: true } : {}) } : {};
    const responses = await this.sendReads(keys.map((key) => ({ kind: 'get', key, ...flags })), lock);
    for (const key of keys) this.noteRead(pointSpan(key));
    const values = responses.map((r) => {
      assert(r.kind === 'get', 'get answered with another kind');
      return r.value;
    });
    if (lock) keys.forEach((k, i) => values[i] !== null && this.lockSpans.push(pointSpan(k)));
    return values;
  }

  /**
   * Sends reads; locking ones lay intents, so the first of them also creates the txn
   * record (and starts heartbeats), as the first flush does.
   */
  private async sendReads(requests: readonly KvRequest[], lock: boolean): Promise<readonly KvResponse[]> {
    if (!lock || this.recordWritten) return this.send(requests);
    const responses = await this.send([{ kind: 'heartbeat-txn' }, ...requests]);
    this.recordWritten = true;
    this.stopHeartbeat ??= this.deps.startHeartbeat(() => this.heartbeat());
    return responses.slice(1);
  }

  async scan(span: Span, options: ScanOptions = {}): Promise<ScanResult> {
    await this.flush();
    this.takeSnapshot();
    const reverse = options.reverse === true;
    const lock = options.lock === true;
    const flags = lock ? { lock, ...(options.skipLocked === true ? { skipLocked: true } : {}) } : {};
    const [r] = await this.sendReads([{ kind: 'scan', span: { startKey: span.startKey, endKey: span.endKey }, reverse, limit: options.limit ?? 0, ...flags }], lock);
    assert(r?.kind === 'scan', 'scan answered with another kind');
    const resume = r.resumeSpan;
    this.noteRead(
      resume === null
        ? span
        : reverse
          ? { startKey: resume.endKey, endKey: span.endKey }
          : { startKey: span.startKey, endKey: resume.startKey },
    );
    if (lock) for (const row of r.rows) this.lockSpans.push(pointSpan(row.key));
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
    this.sentCount = this.writesCount;
    this.noteLockSpans(writes);
    const responses = await this.send([...writes, { kind: 'end-txn', commit: true, lockSpans: this.lockSpans, onePhase: false }]);
    this.resolveExternalLater(responses[responses.length - 1], 'committed');
  }

  /**
   * Intents on ranges other than the record's stay after end-txn; they are resolved here,
   * in the background (asynchronous intent resolution), so that readers and waiters there
   * need not push. Until then the record tells pushers the outcome.
   */
  private resolveExternalLater(endTxn: KvResponse | undefined, status: 'committed' | 'aborted'): void {
    if (endTxn?.kind !== 'end-txn' || endTxn.externalLockSpans !== true) return;
    const txn = this.meta();
    const requests: KvRequest[] = this.lockSpans.map((span) => ({ kind: 'resolve-intent', span, txn, status, commitTimestamp: this.ts }));
    this.deps.kv.send({ header: { timestamp: this.ts, txn: null }, requests }).catch((err: unknown) => {
      this.deps.logger.warn({ err, txn: this.id }, 'resolving intents after the end of a transaction failed; pushers will');
    });
  }

  async rollback(): Promise<void> {
    if (this.status !== 'pending') return;
    this.status = 'aborted';
    this.buffer = [];
    this.finish();
    if (!this.recordWritten) return;
    try {
      const responses = await this.deps.kv.send({ header: this.header(), requests: [{ kind: 'end-txn', commit: false, lockSpans: this.lockSpans, onePhase: false }] });
      this.resolveExternalLater(responses[0], 'aborted');
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
