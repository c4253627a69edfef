import type { EngineIterator, EngineReader } from './engine.ts';
import { bytesEqual, compareBytes } from './bytes.ts';
import { decodeLockTableKey, lockTableKey } from './keys.ts';
import { decodeVersionValue, versionAtOrBelow, versionKeyTs, versionKeyUserKey, versionSpan, versionTsSuffix } from './mvcc-key.ts';
import { decodeIntentValue, type Intent } from './txn-meta.ts';
import type { Timestamp } from './timestamp.ts';

/** One committed version of a user key. `value` null is a tombstone. */
export interface Version {
  readonly ts: Timestamp;
  readonly value: Uint8Array | null;
}

/** Everything MVCC needs to know about one user key at once. */
export interface KeyState {
  readonly key: Uint8Array;
  /** The intent in the lock table, if any. */
  readonly intent: Intent | null;
  /** The newest committed version of any timestamp. */
  readonly newest: Version | null;
  /** The newest committed version at or below the read timestamp. */
  readonly visible: Version | null;
  /** With an uncertainty limit: the newest committed version above the read timestamp and at or below the limit. */
  readonly uncertain: Version | null;
}

/** A version read from the engine; its timestamp is decoded only when asked for. */
class StoredVersion implements Version {
  private decoded: Timestamp | null = null;

  constructor(
    /** The version key (its last 12 bytes are the timestamp). */
    readonly versionKey: Uint8Array,
    /** The user key the version belongs to (a view into versionKey). */
    readonly userKey: Uint8Array,
    readonly value: Uint8Array | null,
  ) {}

  get ts(): Timestamp {
    return (this.decoded ??= versionKeyTs(this.versionKey));
  }
}

/**
 * Walks the user keys in [startKey, endKey) in key order (or reverse), merging the MVCC
 * versions with the lock table so that each key is seen once with its intent and versions.
 * The caller must `close()` it.
 *
 * `nextBuffered()` answers from what the engine iterators already buffered and returns null
 * when a round trip is due; `next()` makes it. Scans call the former first, so a chunk of
 * rows costs one promise rather than one per row. A key's state may be assembled over
 * several calls (its versions can straddle two chunks): the partial state lives in `cur`.
 */
export class KeyStateIterator {
  private readonly versions: EngineIterator;
  private readonly locks: EngineIterator;
  private vHead: StoredVersion | undefined | null = null; // null: not fetched
  private lHead: Intent | undefined | null = null;
  /** The key being assembled, once its intent is settled; its versions may still follow. */
  private cur: { key: Uint8Array; intent: Intent | null; newest: Version | null; visible: Version | null; uncertain: Version | null } | null = null;
  /** The read timestamp as a version-key suffix (visibility is a byte comparison). */
  private readonly readSuffix: Uint8Array;
  /** The uncertainty limit as a suffix, or null without one. */
  private readonly limitSuffix: Uint8Array | null;

  constructor(
    reader: EngineReader,
    startKey: Uint8Array,
    endKey: Uint8Array,
    private readonly reverse: boolean,
    readTs: Timestamp,
    uncertaintyLimit: Timestamp | null = null,
  ) {
    this.readSuffix = versionTsSuffix(readTs);
    this.limitSuffix = uncertaintyLimit === null ? null : versionTsSuffix(uncertaintyLimit);
    const span = versionSpan(startKey, endKey);
    this.versions = reader.iterator({ gte: span.gte, lt: span.lt, reverse });
    this.locks = reader.iterator({ gte: lockTableKey(startKey), lt: lockTableKey(endKey), reverse });
  }

  /** Fills the version head from the buffer; false when a round trip is due. */
  private fillVersionHead(): boolean {
    if (this.vHead !== null) return true;
    const e = this.versions.nextBuffered();
    if (e === null) return false;
    this.vHead = e === undefined ? undefined : versionHeadOf(e.key, e.value);
    return true;
  }

  private fillLockHead(): boolean {
    if (this.lHead !== null) return true;
    const e = this.locks.nextBuffered();
    if (e === null) return false;
    this.lHead = e === undefined ? undefined : intentOf(e.key, e.value);
    return true;
  }

  /** The next key's state, undefined when the span is exhausted, or null when a round trip is due. */
  nextBuffered(): KeyState | undefined | null {
    if (this.cur === null) {
      if (!this.fillVersionHead() || !this.fillLockHead()) return null;
      const v = this.vHead as StoredVersion | undefined;
      const l = this.lHead as Intent | undefined;
      if (v === undefined && l === undefined) return undefined;
      let key: Uint8Array;
      if (v === undefined) key = (l as Intent).key;
      else if (l === undefined) key = v.userKey;
      else {
        const order = compareBytes(v.userKey, l.key);
        key = (this.reverse ? order > 0 : order < 0) ? v.userKey : l.key;
      }
      let intent: Intent | null = null;
      if (l !== undefined && bytesEqual(l.key, key)) {
        intent = l;
        this.lHead = null;
      }
      this.cur = { key, intent, newest: null, visible: null, uncertain: null };
    }
    const cur = this.cur;
    for (;;) {
      if (!this.fillVersionHead()) return null;
      const head = this.vHead as StoredVersion | undefined;
      if (head === undefined || !bytesEqual(head.userKey, cur.key)) break;
      // Forward: versions arrive newest first; reverse: oldest first.
      const visible = versionAtOrBelow(head.versionKey, this.readSuffix);
      if (this.reverse) {
        cur.newest = head;
        if (visible) cur.visible = head;
      } else {
        cur.newest ??= head;
        if (cur.visible === null && visible) cur.visible = head;
      }
      // Above the read timestamp, at or below the limit: uncertain (the newest such, either way).
      if (!visible && this.limitSuffix !== null && versionAtOrBelow(head.versionKey, this.limitSuffix) && (this.reverse || cur.uncertain === null)) cur.uncertain = head;
      this.vHead = null;
    }
    this.cur = null;
    return cur;
  }

  /** The next key's state, or undefined when the span is exhausted. */
  async next(): Promise<KeyState | undefined> {
    for (;;) {
      const s = this.nextBuffered();
      if (s !== null) return s;
      if (this.vHead === null) {
        const e = await this.versions.next();
        this.vHead = e === undefined ? undefined : versionHeadOf(e.key, e.value);
      } else {
        const e = await this.locks.next();
        this.lHead = e === undefined ? undefined : intentOf(e.key, e.value);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.versions.close(), this.locks.close()]);
  }
}

function versionHeadOf(key: Uint8Array, value: Uint8Array): StoredVersion {
  return new StoredVersion(key, versionKeyUserKey(key), decodeVersionValue(value));
}

function intentOf(key: Uint8Array, value: Uint8Array): Intent {
  const userKey = decodeLockTableKey(key);
  if (userKey === null) throw new Error('lock table holds a malformed key');
  return decodeIntentValue(userKey, value);
}
