import type { EngineIterator, EngineReader } from './engine.ts';
import { compareBytes } from './bytes.ts';
import { decodeLockTableKey, lockTableKey } from './keys.ts';
import { decodeVersionKey, decodeVersionValue, versionSpan } from './mvcc-key.ts';
import { decodeIntentValue, type Intent } from './txn-meta.ts';
import { tsLessEq, type Timestamp } from './timestamp.ts';

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
}

interface VersionHead {
  readonly userKey: Uint8Array;
  readonly version: Version;
}

/**
 * Walks the user keys in [startKey, endKey) in key order (or reverse), merging the MVCC
 * versions with the lock table so that each key is seen once with its intent and versions.
 * The caller must `close()` it.
 */
export class KeyStateIterator {
  private readonly versions: EngineIterator;
  private readonly locks: EngineIterator;
  private vHead: VersionHead | undefined | null = null; // null: not fetched
  private lHead: Intent | undefined | null = null;

  constructor(
    reader: EngineReader,
    startKey: Uint8Array,
    endKey: Uint8Array,
    private readonly reverse: boolean,
    private readonly readTs: Timestamp,
  ) {
    const span = versionSpan(startKey, endKey);
    this.versions = reader.iterator({ gte: span.gte, lt: span.lt, reverse });
    this.locks = reader.iterator({ gte: lockTableKey(startKey), lt: lockTableKey(endKey), reverse });
  }

  private async versionHead(): Promise<VersionHead | undefined> {
    if (this.vHead === null) {
      const e = await this.versions.next();
      if (e === undefined) this.vHead = undefined;
      else {
        const { userKey, ts } = decodeVersionKey(e.key);
        this.vHead = { userKey, version: { ts, value: decodeVersionValue(e.value) } };
      }
    }
    return this.vHead;
  }

  private async lockHead(): Promise<Intent | undefined> {
    if (this.lHead === null) {
      const e = await this.locks.next();
      if (e === undefined) this.lHead = undefined;
      else {
        const key = decodeLockTableKey(e.key);
        if (key === null) throw new Error('lock table holds a malformed key');
        this.lHead = decodeIntentValue(key, e.value);
      }
    }
    return this.lHead;
  }

  /** The next key's state, or undefined when the span is exhausted. */
  async next(): Promise<KeyState | undefined> {
    const v = await this.versionHead();
    const l = await this.lockHead();
    if (v === undefined && l === undefined) return undefined;
    let key: Uint8Array;
    if (v === undefined) key = (l as Intent).key;
    else if (l === undefined) key = v.userKey;
    else {
      const order = compareBytes(v.userKey, l.key);
      key = (this.reverse ? order > 0 : order < 0) ? v.userKey : l.key;
    }
    let intent: Intent | null = null;
    if (l !== undefined && compareBytes(l.key, key) === 0) {
      intent = l;
      this.lHead = null;
    }
    let newest: Version | null = null;
    let visible: Version | null = null;
    for (let head = await this.versionHead(); head !== undefined && compareBytes(head.userKey, key) === 0; head = await this.versionHead()) {
      // Forward: versions arrive newest first; reverse: oldest first.
      if (this.reverse) {
        newest = head.version;
        if (tsLessEq(head.version.ts, this.readTs)) visible = head.version;
      } else {
        newest ??= head.version;
        if (visible === null && tsLessEq(head.version.ts, this.readTs)) visible = head.version;
      }
      this.vHead = null;
    }
    return { key, intent, newest, visible };
  }

  async close(): Promise<void> {
    await Promise.all([this.versions.close(), this.locks.close()]);
  }
}
