/**
 * MVCC writes. Each function reads through `reader` (which must see `batch` applied, see
 * `BatchReader`) and adds its effects to `batch`; on an expected failure it returns the
 * error and the caller discards the whole batch. No clocks, no I/O besides the reads.
 *
 * A transactional write (txn set, not one-phase) puts an intent in the lock table holding
 * the provisional value; a one-phase or non-transactional write puts a committed version.
 * A writer conflicts with any other transaction's intent, and with a committed version at
 * or above its timestamp (write-too-old: it would rewrite history under a reader).
 */
import { assert } from '../util/index.ts';
import type { KvError, KvSpan } from './api.ts';
import { bytesEqual, compareBytes, keyNext } from './bytes.ts';
import type { EngineReader, WriteBatch } from './engine.ts';
import { decodeLockTableKey, lockTableKey } from './keys.ts';
import { assertUserKey, encodeVersionValue, versionKey } from './mvcc-key.ts';
import { KeyStateIterator, type Version } from './mvcc-iter.ts';
import { newestVersionAt, readIntent, type PointMemo } from './mvcc-read.ts';
import { tsCompare, TS_MAX, type Timestamp } from './timestamp.ts';
import { decodeIntentValue, encodeIntentValue, type Intent, type TxnId, type TxnMeta } from './txn-meta.ts';

export interface WriteContext {
  /** Where the write goes: the txn's write timestamp, or the header timestamp. */
  readonly ts: Timestamp;
  readonly txn: TxnMeta | null;
  /** Write committed versions directly (the batch holds the whole transaction). */
  readonly onePhase: boolean;
  /** The newest read of `key` by another transaction (the timestamp cache). */
  readonly maxReadTs: (key: Uint8Array) => Timestamp;
  /** Memory shortcuts for the point reads a write needs; null: read the engine. */
  readonly memo: PointMemo | null;
}

export type WriteResult = { readonly ok: true } | { readonly ok: false; readonly error: KvError };

type WriterView = { readonly ok: true; readonly existing: Uint8Array | null } | { readonly ok: false; readonly error: KvError };

/**
 * The value the writer sees at `key` and whether it may write there (pure).
 * `ownVersionInBatch`: the newest version is one this one-phase batch wrote itself.
 */
export function decideWriterView(key: Uint8Array, intent: Intent | null, newest: Version | null, ctx: WriteContext, ownVersionInBatch: boolean): WriterView {
  if (intent !== null) {
    if (ctx.txn === null || intent.txn.id !== ctx.txn.id) return { ok: false, error: { kind: 'write-intent', intents: [intent] } };
    assert(!ctx.onePhase, 'a one-phase batch met its own intent: the txn had written before');
    return { ok: true, existing: intent.value };
  }
  const readTs = ctx.maxReadTs(key);
  if (tsCompare(readTs, ctx.ts) >= 0) return { ok: false, error: { kind: 'read-conflict', key, readTimestamp: readTs } };
  if (newest !== null && tsCompare(newest.ts, ctx.ts) >= 0 && !ownVersionInBatch) {
    return { ok: false, error: { kind: 'write-too-old', key, existingTimestamp: newest.ts } };
  }
  return { ok: true, existing: newest?.value ?? null };
}

async function writerView(reader: EngineReader, batch: WriteBatch, key: Uint8Array, ctx: WriteContext): Promise<WriterView> {
  assertUserKey(key);
  const memo = ctx.memo;
  const known = memo === null ? 'unknown' : memo.lockValue(key);
  let intent: Intent | null;
  let newest: Version | null;
  if (known === 'unknown') {
    [intent, newest] = await Promise.all([readIntent(reader, key), newestVersionAt(reader, key, TS_MAX, memo)]);
  } else {
    intent = known === undefined ? null : decodeIntentValue(key, known);
    newest = await newestVersionAt(reader, key, TS_MAX, memo);
  }
  const own = ctx.onePhase && newest !== null && tsCompare(newest.ts, ctx.ts) === 0 && batch.lookup(versionKey(key, ctx.ts)) !== undefined;
  return decideWriterView(key, intent, newest, ctx, own);
}

function writeValue(batch: WriteBatch, key: Uint8Array, value: Uint8Array | null, ctx: WriteContext): void {
  if (ctx.txn !== null && !ctx.onePhase) batch.put(lockTableKey(key), encodeIntentValue(ctx.txn, value));
  else batch.put(versionKey(key, ctx.ts), encodeVersionValue(value));
}

/** Writes `value` (null: delete) at `key`. */
export async function mvccPut(reader: EngineReader, batch: WriteBatch, key: Uint8Array, value: Uint8Array | null, ctx: WriteContext): Promise<WriteResult> {
  const view = await writerView(reader, batch, key, ctx);
  if (!view.ok) return view;
  writeValue(batch, key, value, ctx);
  return { ok: true };
}

/** Writes `value` at `key` if the writer sees `expected` there ('absent': nothing live). */
export async function mvccConditionalPut(
  reader: EngineReader,
  batch: WriteBatch,
  key: Uint8Array,
  value: Uint8Array,
  expected: Uint8Array | 'absent',
  ctx: WriteContext,
): Promise<WriteResult> {
  const view = await writerView(reader, batch, key, ctx);
  if (!view.ok) return view;
  const matches = expected === 'absent' ? view.existing === null : view.existing !== null && bytesEqual(view.existing, expected);
  if (!matches) return { ok: false, error: { kind: 'condition-failed', key, actual: view.existing } };
  writeValue(batch, key, value, ctx);
  return { ok: true };
}

/** Deletes every live key in `span`; collects all blocking intents before failing. */
export async function mvccDeleteRange(
  reader: EngineReader,
  batch: WriteBatch,
  span: KvSpan,
  ctx: WriteContext,
): Promise<{ readonly ok: true; readonly deleted: number } | { readonly ok: false; readonly error: KvError }> {
  const it = new KeyStateIterator(reader, span.startKey, span.endKey, false, TS_MAX);
  const blockers: Intent[] = [];
  let deleted = 0;
  try {
    for (let s = await it.next(); s !== undefined; s = await it.next()) {
      const own = ctx.onePhase && s.newest !== null && tsCompare(s.newest.ts, ctx.ts) === 0 && batch.lookup(versionKey(s.key, ctx.ts)) !== undefined;
      const view = decideWriterView(s.key, s.intent, s.newest, ctx, own);
      if (!view.ok) {
        // A key that is already deleted is not written, so a later read of it is no conflict.
        if (view.error.kind === 'read-conflict' && s.intent === null && (s.newest?.value ?? null) === null) continue;
        if (view.error.kind !== 'write-intent') return view;
        blockers.push(...view.error.intents);
        continue;
      }
      if (view.existing === null) continue;
      writeValue(batch, s.key, null, ctx);
      deleted++;
    }
  } finally {
    await it.close();
  }
  if (blockers.length > 0) return { ok: false, error: { kind: 'write-intent', intents: blockers } };
  return { ok: true, deleted };
}

function resolveOne(batch: WriteBatch, intent: Intent, status: 'committed' | 'aborted', commitTs: Timestamp): void {
  if (status === 'committed') batch.put(versionKey(intent.key, commitTs), encodeVersionValue(intent.value));
  batch.del(lockTableKey(intent.key));
}

function isPointSpan(span: KvSpan): boolean {
  return compareBytes(span.endKey, keyNext(span.startKey)) === 0;
}

/**
 * Resolves the intents of `txnId` in `span`: committed ones become versions at `commitTs`,
 * aborted ones disappear. Intents of other transactions are left alone. Returns how many
 * were resolved.
 */
export async function mvccResolveSpan(
  reader: EngineReader,
  batch: WriteBatch,
  span: KvSpan,
  txnId: TxnId,
  status: 'committed' | 'aborted',
  commitTs: Timestamp,
  memo: PointMemo | null = null,
): Promise<number> {
  if (isPointSpan(span)) {
    const intent = await readIntent(reader, span.startKey, memo);
    if (intent === null || intent.txn.id !== txnId) return 0;
    resolveOne(batch, intent, status, commitTs);
    return 1;
  }
  const found: Intent[] = [];
  const it = reader.iterator({ gte: lockTableKey(span.startKey), lt: lockTableKey(span.endKey) });
  try {
    for (let e = await it.next(); e !== undefined; e = await it.next()) {
      const key = decodeLockTableKey(e.key);
      assert(key !== null, 'malformed lock table key');
      const intent = decodeIntentValue(key, e.value);
      if (intent.txn.id === txnId) found.push(intent);
    }
  } finally {
    await it.close();
  }
  for (const intent of found) resolveOne(batch, intent, status, commitTs);
  return found.length;
}

/** True when `key` holds an intent of `txnId` (used to check a committing txn still owns its writes). */
export async function hasIntentOf(reader: EngineReader, key: Uint8Array, txnId: TxnId, memo: PointMemo | null = null): Promise<boolean> {
  const intent = await readIntent(reader, key, memo);
  return intent !== null && intent.txn.id === txnId;
}
