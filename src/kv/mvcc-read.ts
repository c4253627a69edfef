/**
 * MVCC reads. Each function reads through an `EngineReader` and returns a result; none
 * writes, keeps state or looks at a clock, so evaluation stays replayable.
 *
 * Visibility at read timestamp `ts` for transaction `txn` (null: non-transactional):
 * - the reader's own intent shows its provisional value (read-your-writes);
 * - another transaction's intent at or below `ts` is a conflict (the reader cannot know
 *   whether it will commit below `ts`), unless the read is inconsistent;
 * - otherwise the newest committed version at or below `ts`; a tombstone reads as absent.
 */
import type { KvError, KvKeyValue, KvSpan } from './api.ts';
import { keyNext } from './bytes.ts';
import type { EngineReader } from './engine.ts';
import { lockTableKey } from './keys.ts';
import { decodeVersionKey, decodeVersionValue, versionKey, versionsEnd } from './mvcc-key.ts';
import { KeyStateIterator, type KeyState, type Version } from './mvcc-iter.ts';
import type { NewestVersionFact } from './mvcc-cache.ts';
import { TS_MAX, tsLessEq, type Timestamp } from './timestamp.ts';
import { decodeIntentValue, type Intent, type TxnMeta } from './txn-meta.ts';

/**
 * What point reads may learn from memory instead of the engine (see MvccCache), as seen
 * by one evaluation: it must agree exactly with the evaluation's reader (the engine with
 * the batch's own writes on top). Synchronous.
 */
export interface PointMemo {
  /** The lock-table entry of user key `key` (undefined: no intent), or 'unknown'. */
  lockValue(key: Uint8Array): Uint8Array | undefined | 'unknown';
  /** The newest committed version of `key` at any timestamp, if known. Do not mutate the value. */
  newest(key: Uint8Array): NewestVersionFact | undefined;
  /** Taken before an engine read of a key's newest version; offered back with `fill`. */
  fillToken(): number;
  fill(key: Uint8Array, fact: NewestVersionFact, token: number): void;
}

export interface ReadOptions {
  readonly ts: Timestamp;
  readonly txn: TxnMeta | null;
  readonly inconsistent: boolean;
  /** Memory shortcuts for point reads; null: read the engine. */
  readonly memo: PointMemo | null;
  /** SKIP LOCKED: a key with another txn's intent (at any timestamp) reads as absent. */
  readonly skipLocked?: boolean;
  /**
   * The top of the read's uncertainty interval (above `ts`), or absent: a committed
   * version in (ts, limit] is 'read-uncertainty', another txn's intent there blocks.
   */
  readonly uncertaintyLimit?: Timestamp;
}

/** The read's uncertainty limit when it is above its timestamp (else there is no interval). */
function uncertaintyOf(options: ReadOptions): Timestamp | null {
  const limit = options.uncertaintyLimit;
  return limit !== undefined && !options.inconsistent && !tsLessEq(limit, options.ts) ? limit : null;
}

/** At most this many conflicting intents are collected by one scan. */
export const SCAN_CONFLICTS_MAX = 64;

/** The newest committed version of `key` at or below `maxTs`. */
export async function newestVersion(reader: EngineReader, key: Uint8Array, maxTs: Timestamp): Promise<Version | null> {
  const it = reader.iterator({ gte: versionKey(key, maxTs), lt: versionsEnd(key), chunkEntries: 1 });
  try {
    const e = await it.next();
    if (e === undefined) return null;
    return { ts: decodeVersionKey(e.key).ts, value: decodeVersionValue(e.value) };
  } finally {
    await it.close();
  }
}

/**
 * The newest committed version of `key` at or below `maxTs`, from memory when `memo`
 * knows the key's newest version and it is at or below `maxTs`. On a miss it reads the
 * key's newest version (one engine seek, like a read at `maxTs`), offers it to the memo,
 * and seeks again only when that version is above `maxTs`.
 */
export async function newestVersionAt(reader: EngineReader, key: Uint8Array, maxTs: Timestamp, memo: PointMemo | null): Promise<Version | null> {
  if (memo === null) return newestVersion(reader, key, maxTs);
  const fact = memo.newest(key);
  if (fact !== undefined) {
    if (fact.ts === null) return null;
    // The caller owns what it gets (reads hand out fresh buffers); the cache keeps its copy.
    if (tsLessEq(fact.ts, maxTs)) return { ts: fact.ts, value: fact.value === null ? null : fact.value.slice() };
    return newestVersion(reader, key, maxTs);
  }
  const token = memo.fillToken();
  const newest = await newestVersion(reader, key, TS_MAX);
  memo.fill(key, newest ?? { ts: null, value: null }, token);
  if (newest === null || tsLessEq(newest.ts, maxTs)) return newest;
  return newestVersion(reader, key, maxTs);
}

/** The intent on `key`, from the memo's lock mirror when it is on. */
export async function readIntent(reader: EngineReader, key: Uint8Array, memo: PointMemo | null = null): Promise<Intent | null> {
  if (memo !== null) {
    const known = memo.lockValue(key);
    if (known !== 'unknown') return known === undefined ? null : decodeIntentValue(key, known);
  }
  const raw = await reader.get(lockTableKey(key));
  return raw === undefined ? null : decodeIntentValue(key, raw);
}

/** What a key reads as, or the intent that blocks the read. */
function resolveVisible(intent: Intent | null, visible: Version | null, options: ReadOptions): { value: Uint8Array | null } | { blocker: Intent } {
  if (intent !== null) {
    if (options.txn !== null && intent.txn.id === options.txn.id) return { value: intent.value };
    if (options.skipLocked === true) return { value: null };
    // An intent in the uncertainty interval may commit below it: wait for it too.
    if (!options.inconsistent && tsLessEq(intent.txn.writeTimestamp, uncertaintyOf(options) ?? options.ts)) return { blocker: intent };
  }
  return { value: visible?.value ?? null };
}

export type MvccGetResult = { readonly ok: true; readonly value: Uint8Array | null } | { readonly ok: false; readonly error: KvError };

export async function mvccGet(reader: EngineReader, key: Uint8Array, options: ReadOptions): Promise<MvccGetResult> {
  const memo = options.memo;
  const known = memo === null ? 'unknown' : memo.lockValue(key);
  // Read up to the uncertainty limit: a version found above the read timestamp is uncertain.
  const upTo = uncertaintyOf(options) ?? options.ts;
  let intent: Intent | null;
  let found: Version | null;
  if (known === 'unknown') {
    [intent, found] = await Promise.all([readIntent(reader, key), newestVersionAt(reader, key, upTo, memo)]);
  } else {
    intent = known === undefined ? null : decodeIntentValue(key, known);
    found = await newestVersionAt(reader, key, upTo, memo);
  }
  const own = intent !== null && options.txn !== null && intent.txn.id === options.txn.id;
  if (!own && found !== null && !tsLessEq(found.ts, options.ts)) {
    const blocking = resolveVisible(intent, null, options);
    if ('blocker' in blocking) return { ok: false, error: { kind: 'write-intent', intents: [blocking.blocker] } };
    if (intent !== null && options.skipLocked === true) return { ok: true, value: null };
    return { ok: false, error: { kind: 'read-uncertainty', key, existingTimestamp: found.ts } };
  }
  const seen = resolveVisible(intent, found, options);
  if ('blocker' in seen) return { ok: false, error: { kind: 'write-intent', intents: [seen.blocker] } };
  return { ok: true, value: seen.value };
}

/**
 * Read refresh: fails if another transaction committed a version in `span` in
 * (from, to]; another txn's intent at or below `to` is a conflict (wait or push).
 */
export async function mvccRefresh(
  reader: EngineReader,
  span: KvSpan,
  from: Timestamp,
  to: Timestamp,
  txn: TxnMeta | null,
): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: KvError }> {
  const it = new KeyStateIterator(reader, span.startKey, span.endKey, false, to);
  try {
    for (;;) {
      const s = it.nextBuffered() ?? (await it.next());
      if (s === undefined) break;
      if (s.intent !== null && (txn === null || s.intent.txn.id !== txn.id) && tsLessEq(s.intent.txn.writeTimestamp, to)) {
        return { ok: false, error: { kind: 'write-intent', intents: [s.intent] } };
      }
      // `visible` is the newest version at or below `to`: newer than `from` means a change.
      if (s.visible !== null && !tsLessEq(s.visible.ts, from)) {
        return { ok: false, error: { kind: 'refresh-failed', key: s.key, committedTimestamp: s.visible.ts } };
      }
    }
  } finally {
    await it.close();
  }
  return { ok: true };
}

export type MvccScanResult =
  | { readonly ok: true; readonly rows: readonly KvKeyValue[]; readonly resumeSpan: KvSpan | null }
  | { readonly ok: false; readonly error: KvError };

export interface ScanOptions extends ReadOptions {
  readonly reverse: boolean;
  /** 0: no limit. */
  readonly limit: number;
}

/**
 * The live rows in `span`, in key order (descending when reverse), at most `limit`. When
 * the limit stops the scan, `resumeSpan` is the part not scanned.
 */
export async function mvccScan(reader: EngineReader, span: KvSpan, options: ScanOptions): Promise<MvccScanResult> {
  const it = new KeyStateIterator(reader, span.startKey, span.endKey, options.reverse, options.ts, uncertaintyOf(options));
  const rows: KvKeyValue[] = [];
  const blockers: Intent[] = [];
  let resumeSpan: KvSpan | null = null;
  try {
    for (;;) {
      const state: KeyState | undefined = it.nextBuffered() ?? (await it.next());
      if (state === undefined) break;
      let value: Uint8Array | null;
      if (state.uncertain !== null && (state.intent === null || options.txn === null || state.intent.txn.id !== options.txn.id)) {
        const blocking = resolveVisible(state.intent, null, options);
        if ('blocker' in blocking) {
          blockers.push(blocking.blocker);
          if (blockers.length >= SCAN_CONFLICTS_MAX) break;
          continue;
        }
        if (state.intent !== null && options.skipLocked === true) continue;
        return { ok: false, error: { kind: 'read-uncertainty', key: state.key, existingTimestamp: state.uncertain.ts } };
      }
      if (state.intent === null) value = state.visible?.value ?? null; // the common case, without resolveVisible's object
      else {
        const seen = resolveVisible(state.intent, state.visible, options);
        if ('blocker' in seen) {
          blockers.push(seen.blocker);
          if (blockers.length >= SCAN_CONFLICTS_MAX) break;
          continue;
        }
        value = seen.value;
      }
      if (value === null) continue;
      rows.push({ key: state.key, value });
      if (options.limit > 0 && rows.length >= options.limit) {
        resumeSpan = options.reverse
          ? { startKey: span.startKey, endKey: state.key }
          : { startKey: keyNext(state.key), endKey: span.endKey };
        break;
      }
    }
  } finally {
    await it.close();
  }
  if (blockers.length > 0) return { ok: false, error: { kind: 'write-intent', intents: blockers } };
  return { ok: true, rows, resumeSpan };
}
