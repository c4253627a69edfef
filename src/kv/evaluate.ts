/**
 * Batch evaluation: turns a BatchRequest into responses plus the write batch that applying
 * it requires. Reads go through the engine reader (seeing the batch's own earlier writes);
 * nothing is written, no clock is read (the driver passes `nowWall`). The replica runs
 * this under latches and then hands the write batch to the apply path: today the group
 * committer, with Raft (issue 4) a proposal that every replica applies.
 */
import { assertNever } from '../util/index.ts';
import type { BatchRequest, KvError, KvKeyValue, KvRequest, KvResponse, KvSpan } from './api.ts';
import { compareBytes, maxKey, minKey } from './bytes.ts';
import { BatchReader, WriteBatch, type EngineReader } from './engine.ts';
import { lockTableKey, txnRecordKey } from './keys.ts';
import { decodeVersionValue, versionKeyTs, versionsEnd, versionsStart } from './mvcc-key.ts';
import { userKeyId, versionOwnerId, type MvccCache, type NewestVersionFact } from './mvcc-cache.ts';
import { mvccGet, mvccRefresh, mvccScan, newestVersion, type PointMemo, type ReadOptions } from './mvcc-read.ts';
import { hasIntentOf, mvccConditionalPut, mvccDeleteRange, mvccPut, mvccResolveSpan, type WriteContext } from './mvcc-write.ts';
import type { RangeDescriptor } from './range-descriptor.ts';
import { TS_MAX, type Timestamp } from './timestamp.ts';
import { decodeTxnRecord, encodeTxnRecord, txnIdBytes, type TxnId, type TxnMeta, type TxnRecord, type TxnStatus } from './txn-meta.ts';

export interface EvalContext {
  readonly descriptor: RangeDescriptor;
  /** The evaluating node's wall time (ns): decides txn record expiry. */
  readonly nowWall: bigint;
  readonly txnExpiryMs: number;
  /** The timestamp cache's newest read of a key by a txn other than `txnId`. */
  readonly maxReadTs: (key: Uint8Array, txnId: TxnId | null) => Timestamp;
  /** The store's in-memory lock mirror and newest-version cache; null: read the engine only. */
  readonly mvccCache: MvccCache | null;
}

/** Engine seeks a batch's prefetch keeps in flight at once. */
const PREFETCH_CONCURRENCY = 16;
/** A prefetch scan reads at most this many versions per wanted key before it seeks instead. */
const PREFETCH_SCAN_ENTRIES_PER_KEY = 4;

/**
 * The memo of one evaluation: the batch's own pending writes first (as `BatchReader`
 * does), then the store's cache, then what `prefetch` read for this batch. A key whose
 * versions the batch has written is never answered from memory (the batch may hold a
 * version the engine does not have yet); any other key reads the same through the batch
 * as in the engine, so cache answers and fills stay valid for it.
 */
class BatchMemo implements PointMemo {
  private readonly prefetched = new Map<string, NewestVersionFact>();

  constructor(
    private readonly cache: MvccCache,
    private readonly batch: WriteBatch,
  ) {}

  lockValue(key: Uint8Array): Uint8Array | undefined | 'unknown' {
    if (!this.cache.lockMirrorOn) return 'unknown';
    const lockKey = lockTableKey(key);
    if (this.batch.size > 0) {
      const op = this.batch.lookup(lockKey);
      if (op !== undefined) return op.kind === 'put' ? op.value : undefined;
    }
    return this.cache.lockValue(lockKey);
  }

  newest(key: Uint8Array): NewestVersionFact | undefined {
    const id = userKeyId(key);
    if (this.batch.touches(id) !== false) return undefined;
    return this.cache.newestById(id) ?? this.prefetched.get(id);
  }

  fillToken(): number {
    return this.cache.fillToken();
  }

  fill(key: Uint8Array, fact: NewestVersionFact, token: number): void {
    const id = userKeyId(key);
    if (this.batch.touches(id) === false) this.cache.fillById(id, fact, token);
  }

  /**
   * Reads the newest version of every key in `keys` that memory does not know, several
   * seeks at a time, before evaluation walks the batch one request after another (each
   * engine seek is an async hop; a batch of 10,000 inserts would otherwise make them one
   * by one). Call while the batch is still empty.
   */
  async prefetch(engine: EngineReader, keys: readonly PointKey[]): Promise<void> {
    const todo = new Map<string, Uint8Array>();
    const reads = new Set<string>();
    for (const { key, read } of keys) {
      const id = userKeyId(key);
      if (read) reads.add(id);
      if (!todo.has(id) && this.cache.newestById(id) === undefined) todo.set(id, key);
    }
    if (todo.size === 0) return;
    const token = this.cache.fillToken();
    // Only keys the batch reads go to the store's cache: a bulk write would fill it with
    // facts about keys it is about to replace (and the garbage collector with the churn).
    const learn = (id: string, fact: NewestVersionFact): void => {
      this.prefetched.set(id, fact);
      if (reads.has(id)) this.cache.fillById(id, fact, token);
    };
    // Ids are escaped keys one char per byte: string order is key order.
    const sorted = [...todo.keys()].sort();
    const left = await this.prefetchByScan(engine, sorted, todo, learn);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < left.length) {
        const id = left[next++] as string;
        const v = await newestVersion(engine, todo.get(id) as Uint8Array, TS_MAX);
        learn(id, v ?? { ts: null, value: null });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREFETCH_CONCURRENCY, left.length) }, worker));
  }

  /**
   * One scan from the smallest to the largest wanted key, learning each wanted key's newest
   * version (versions come newest first) and the absence of the others. Cheap when the keys
   * are clustered (a bulk insert of new keys scans nothing); when the span holds much other
   * data the scan stops after a budget of entries and returns the ids it did not settle.
   */
  private async prefetchByScan(engine: EngineReader, sorted: readonly string[], todo: ReadonlyMap<string, Uint8Array>, learn: (id: string, fact: NewestVersionFact) => void): Promise<readonly string[]> {
    const first = todo.get(sorted[0] as string) as Uint8Array;
    const last = todo.get(sorted.at(-1) as string) as Uint8Array;
    let budget = PREFETCH_SCAN_ENTRIES_PER_KEY * sorted.length;
    let at = 0; // sorted[at] is the first wanted id not yet settled
    let lastOwner: string | null = null;
    const it = engine.iterator({ gte: versionsStart(first), lt: versionsEnd(last) });
    try {
      for (;;) {
        const e = it.nextBuffered() ?? (await it.next());
        if (e === undefined) break;
        if (--budget < 0) return sorted.slice(at);
        const owner = versionOwnerId(e.key) as string;
        if (owner === lastOwner) continue; // an older version of a key already seen
        lastOwner = owner;
        while (at < sorted.length && (sorted[at] as string) < owner) learn(sorted[at++] as string, { ts: null, value: null });
        if (at < sorted.length && sorted[at] === owner) {
          learn(owner, { ts: versionKeyTs(e.key), value: decodeVersionValue(e.value) });
          at++;
        }
        if (at >= sorted.length) return [];
      }
    } finally {
      await it.close();
    }
    // The span is exhausted: every wanted key not met has no version.
    for (; at < sorted.length; at++) learn(sorted[at] as string, { ts: null, value: null });
    return [];
  }
}

interface PointKey {
  readonly key: Uint8Array;
  readonly read: boolean;
}

/** The keys of the batch's point requests (reads and writes of single keys). */
function pointKeys(ba: BatchRequest): PointKey[] {
  const keys: PointKey[] = [];
  for (const req of ba.requests) {
    if (req.kind === 'get') keys.push({ key: req.key, read: true });
    else if (req.kind === 'put' || req.kind === 'delete' || req.kind === 'conditional-put') keys.push({ key: req.key, read: false });
  }
  return keys;
}

export type EvalResult =
  | { readonly ok: true; readonly responses: readonly KvResponse[]; readonly writeBatch: WriteBatch }
  | { readonly ok: false; readonly error: KvError };

type One = { readonly ok: true; readonly response: KvResponse } | { readonly ok: false; readonly error: KvError };

/** The key of the transaction's record. */
export function recordKeyOf(txn: TxnMeta): Uint8Array {
  return txnRecordKey(txn.anchorKey, txnIdBytes(txn.id));
}

/** True when the batch commits its transaction in one phase. */
export function isOnePhaseBatch(ba: BatchRequest): boolean {
  return ba.requests.some((r) => r.kind === 'end-txn' && r.commit && r.onePhase);
}

export async function evaluateBatch(engine: EngineReader, ba: BatchRequest, ctx: EvalContext): Promise<EvalResult> {
  const writeBatch = new WriteBatch(versionOwnerId);
  const reader = new BatchReader(engine, writeBatch);
  const txn = ba.header.txn;
  const memo = ctx.mvccCache === null ? null : new BatchMemo(ctx.mvccCache, writeBatch);
  if (memo !== null && ba.requests.length > 1) await memo.prefetch(engine, pointKeys(ba));
  const readOptions: ReadOptions = {
    ts: ba.header.timestamp,
    txn,
    inconsistent: ba.header.readConsistency === 'inconsistent',
    memo,
    ...(ba.header.uncertaintyLimit === undefined || txn === null ? {} : { uncertaintyLimit: ba.header.uncertaintyLimit }),
  };
  const writeCtx: WriteContext = {
    ts: txn?.writeTimestamp ?? ba.header.timestamp,
    txn,
    onePhase: isOnePhaseBatch(ba),
    maxReadTs: (key) => ctx.maxReadTs(key, txn?.id ?? null),
    memo,
  };
  const responses: KvResponse[] = [];
  for (const req of ba.requests) {
    const one = await evaluateOne(reader, writeBatch, req, ba, readOptions, writeCtx, ctx);
    if (!one.ok) return one;
    responses.push(one.response);
  }
  return { ok: true, responses, writeBatch };
}

async function evaluateOne(
  reader: EngineReader,
  batch: WriteBatch,
  req: KvRequest,
  ba: BatchRequest,
  readOptions: ReadOptions,
  writeCtx: WriteContext,
  ctx: EvalContext,
): Promise<One> {
  switch (req.kind) {
    case 'get': {
      const r = await mvccGet(reader, req.key, req.skipLocked === true ? { ...readOptions, skipLocked: true } : readOptions);
      if (!r.ok) return r;
      if (req.lock === true && r.value !== null) {
        const locked = await lockRows(reader, batch, [{ key: req.key, value: r.value }], writeCtx);
        if (!locked.ok) return locked;
      }
      return { ok: true, response: { kind: 'get', value: r.value } };
    }
    case 'scan': {
      const r = await mvccScan(reader, req.span, { ...readOptions, reverse: req.reverse === true, limit: req.limit ?? 0, skipLocked: req.skipLocked === true });
      if (!r.ok) return r;
      if (req.lock === true) {
        const locked = await lockRows(reader, batch, r.rows, writeCtx);
        if (!locked.ok) return locked;
      }
      return { ok: true, response: { kind: 'scan', rows: r.rows, resumeSpan: r.resumeSpan } };
    }
    case 'put':
    case 'delete': {
      const r = await mvccPut(reader, batch, req.key, req.kind === 'put' ? req.value : null, writeCtx);
      return r.ok ? { ok: true, response: { kind: req.kind } } : r;
    }
    case 'conditional-put': {
      const r = await mvccConditionalPut(reader, batch, req.key, req.value, req.expected, writeCtx);
      return r.ok ? { ok: true, response: { kind: 'conditional-put' } } : r;
    }
    case 'delete-range': {
      const r = await mvccDeleteRange(reader, batch, req.span, writeCtx);
      return r.ok ? { ok: true, response: { kind: 'delete-range', deletedKeys: r.deleted } } : r;
    }
    case 'end-txn':
      return evaluateEndTxn(reader, batch, req, ba.header.txn, ctx, readOptions.memo);
    case 'heartbeat-txn':
      return evaluateHeartbeat(reader, batch, ba.header.txn, ctx);
    case 'push-txn':
      return evaluatePush(reader, batch, req.pushee, ctx);
    case 'refresh': {
      const r = await mvccRefresh(reader, req.span, req.fromTimestamp, ba.header.timestamp, ba.header.txn);
      return r.ok ? { ok: true, response: { kind: 'refresh' } } : r;
    }
    case 'resolve-intent': {
      const n = await mvccResolveSpan(reader, batch, req.span, req.txn.id, req.status, req.commitTimestamp, readOptions.memo);
      return { ok: true, response: { kind: 'resolve-intent', resolved: n } };
    }
    default:
      return assertNever(req, 'kv request');
  }
}

/** A locking read's lock: each row read is written back unchanged as the txn's intent. */
async function lockRows(reader: EngineReader, batch: WriteBatch, rows: readonly KvKeyValue[], writeCtx: WriteContext): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: KvError }> {
  if (writeCtx.txn === null || writeCtx.onePhase) return { ok: false, error: { kind: 'invalid-request', message: 'a locking read needs a transaction with a record' } };
  for (const row of rows) {
    const r = await mvccPut(reader, batch, row.key, row.value, writeCtx);
    if (!r.ok) return r;
  }
  return { ok: true };
}

async function readRecord(reader: EngineReader, txn: TxnMeta): Promise<TxnRecord | null> {
  const raw = await reader.get(recordKeyOf(txn));
  return raw === undefined ? null : decodeTxnRecord(raw);
}

function missingTxn(): One {
  return { ok: false, error: { kind: 'invalid-request', message: 'transactional request without a txn in the header' } };
}

/** The part of `span` inside the range, or null. */
function clip(span: KvSpan, d: RangeDescriptor): KvSpan | null {
  const startKey = maxKey(span.startKey, d.startKey);
  const endKey = minKey(span.endKey, d.endKey);
  return compareBytes(startKey, endKey) < 0 ? { startKey, endKey } : null;
}

async function evaluateEndTxn(
  reader: EngineReader,
  batch: WriteBatch,
  req: Extract<KvRequest, { kind: 'end-txn' }>,
  txn: TxnMeta | null,
  ctx: EvalContext,
  memo: PointMemo | null,
): Promise<One> {
  if (txn === null) return missingTxn();
  if (req.onePhase) {
    // The writes of this batch were already placed as committed versions (or, for an
    // abort, nothing needs undoing: a one-phase batch that fails writes nothing).
    return { ok: true, response: { kind: 'end-txn', status: req.commit ? 'committed' : 'aborted', onePhase: true } };
  }
  const record = await readRecord(reader, txn);
  let status: 'committed' | 'aborted' = req.commit ? 'committed' : 'aborted';
  if (record !== null && record.status === 'aborted') {
    if (req.commit) return { ok: false, error: { kind: 'txn-aborted', txnId: txn.id } };
    status = 'aborted';
  }
  if (status === 'committed') {
    // A pusher may have aborted us and removed intents; committing then would lose writes.
    for (const span of req.lockSpans) {
      const inside = clip(span, ctx.descriptor);
      const isPoint = inside !== null && span.endKey.length === span.startKey.length + 1 && span.endKey[span.endKey.length - 1] === 0;
      if (isPoint && !(await hasIntentOf(reader, span.startKey, txn.id, memo))) {
        return { ok: false, error: { kind: 'txn-aborted', txnId: txn.id } };
      }
    }
  }
  let external = false;
  for (const span of req.lockSpans) {
    const inside = clip(span, ctx.descriptor);
    if (inside === null || compareBytes(inside.startKey, span.startKey) !== 0 || compareBytes(inside.endKey, span.endKey) !== 0) external = true;
    if (inside !== null) await mvccResolveSpan(reader, batch, inside, txn.id, status, txn.writeTimestamp, memo);
  }
  if (external) {
    // Intents on other ranges are resolved by the coordinator afterwards (issue 5); the
    // record keeps the outcome for pushers until then.
    batch.put(recordKeyOf(txn), encodeTxnRecord({ txn, status, lastHeartbeatWall: ctx.nowWall }));
  } else {
    batch.del(recordKeyOf(txn));
  }
  return { ok: true, response: { kind: 'end-txn', status, onePhase: false, ...(external ? { externalLockSpans: true } : {}) } };
}

async function evaluateHeartbeat(reader: EngineReader, batch: WriteBatch, txn: TxnMeta | null, ctx: EvalContext): Promise<One> {
  if (txn === null) return missingTxn();
  const record = await readRecord(reader, txn);
  if (record !== null && record.status !== 'pending') return { ok: true, response: { kind: 'heartbeat-txn', status: record.status } };
  batch.put(recordKeyOf(txn), encodeTxnRecord({ txn, status: 'pending', lastHeartbeatWall: ctx.nowWall }));
  return { ok: true, response: { kind: 'heartbeat-txn', status: 'pending' } };
}

/** Pure: may a pusher abort a pending (or recordless) pushee now? */
export function decidePushAbort(lastActivityWall: bigint, nowWall: bigint, txnExpiryMs: number): boolean {
  return lastActivityWall + BigInt(txnExpiryMs) * 1_000_000n < nowWall;
}

async function evaluatePush(reader: EngineReader, batch: WriteBatch, pushee: TxnMeta, ctx: EvalContext): Promise<One> {
  const record = await readRecord(reader, pushee);
  if (record !== null && record.status !== 'pending') {
    const commitTimestamp = record.status === 'committed' ? record.txn.writeTimestamp : null;
    return { ok: true, response: { kind: 'push-txn', pusheeStatus: record.status, pushed: true, commitTimestamp } };
  }
  const lastActivity = record?.lastHeartbeatWall ?? pushee.writeTimestamp.wall;
  if (!decidePushAbort(lastActivity, ctx.nowWall, ctx.txnExpiryMs)) {
    return { ok: true, response: { kind: 'push-txn', pusheeStatus: 'pending', pushed: false, commitTimestamp: null } };
  }
  const aborted: TxnStatus = 'aborted';
  batch.put(recordKeyOf(pushee), encodeTxnRecord({ txn: record?.txn ?? pushee, status: aborted, lastHeartbeatWall: lastActivity }));
  return { ok: true, response: { kind: 'push-txn', pusheeStatus: aborted, pushed: true, commitTimestamp: null } };
}
