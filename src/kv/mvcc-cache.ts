/**
 * In-memory facts about a store's MVCC data that spare point reads a trip to the engine
 * (each engine read is an async hop to libuv's thread pool; on a 2-core machine those
 * threads compete with the event loop for the same cores):
 *
 * - the **lock mirror**: every lock-table entry (write intent) of the store, loaded by one
 *   scan at open and kept exact as batches are applied. A point read learns "no intent"
 *   (or the intent itself) without an engine `get`.
 * - the **newest-version cache**: for some user keys, the newest committed version
 *   (timestamp and value, or tombstone), or the fact that the key has no version at all.
 *   A read at a timestamp at or above the cached version answers from memory; reads at
 *   older timestamps go to the engine.
 *
 * Both are kept exact by observing every write batch in the same synchronous step in which
 * the engine reports it applied (`CachingEngine.write`): this process is the engine's only
 * writer. Entries are only ever "newest version" facts, so any batch touching a key's
 * versions updates (a newer version) or drops (a deleted version) its entry. A fill from
 * an engine read carries a token taken before the read; if a batch touching that key was
 * applied in between, the fill is refused (kv's latches already exclude this for replica
 * reads; the token makes the cache safe on its own). If a write fails, the engine's state
 * is unknown and both are switched off for the rest of the store's life.
 *
 * Memory is bounded: the version cache by `versionBytesMax` (least recently used entries
 * go first), the lock mirror by `lockBytesMax` (beyond it the mirror switches off and
 * reads go to the engine again: a mirror must be complete or absent).
 */
import { assert, type Logger } from '../util/index.ts';
import type { Engine, EngineIterator, EngineReader, EngineStats, IteratorOptions, WriteBatch } from './engine.ts';
import { escapeKey, LOCAL_LOCK_MARKER, LOCAL_PREFIX, LOCK_TABLE_SPAN } from './keys.ts';
import { decodeVersionValue } from './mvcc-key.ts';
import { keyString } from './bytes.ts';
import { LOGICAL_MAX, tsCompare, WALL_MAX, type Timestamp } from './timestamp.ts';

/** The newest committed version of a key (value null: a tombstone), or no version at all (ts null). */
export interface NewestVersionFact {
  readonly ts: Timestamp | null;
  readonly value: Uint8Array | null;
}

export interface MvccCacheConfig {
  /** Bytes of keys and values the newest-version cache holds at most; 0 turns it off. */
  readonly mvccCacheBytesMax: number;
  /** Bytes of intents the lock mirror may hold; 0 turns it off, beyond it it switches off. */
  readonly lockMirrorBytesMax: number;
}

/** Estimated bookkeeping bytes of one entry besides its key and value. */
const ENTRY_OVERHEAD_BYTES = 96;
/** Keys touched since the oldest fill token that the guard remembers one by one. */
const TOUCHED_KEYS_MAX = 4096;
/** The suffix of a version key: ~wall u64, ~logical u32. */
const TS_SUFFIX_BYTES = 12;

/** The id under which the cache (and an evaluation's write batch) knows user key `key`. */
export function userKeyId(key: Uint8Array): string {
  return keyString(escapeKey(key));
}

/**
 * The `userKeyId` of the user key whose version `engineKey` is, or null for a /local key.
 * (Every non-local engine key is an MVCC version key: escape(userKey) + 12-byte timestamp.)
 */
export function versionOwnerId(engineKey: Uint8Array): string | null {
  if (engineKey[0] === LOCAL_PREFIX) return null;
  assert(engineKey.length > TS_SUFFIX_BYTES, 'a non-local engine key must be an MVCC version key');
  return keyString(engineKey.subarray(0, engineKey.length - TS_SUFFIX_BYTES));
}

export class MvccCache {
  private lockMirror: Map<string, Uint8Array> | null;
  private lockBytes = 0;
  private readonly versions = new Map<string, { fact: NewestVersionFact; bytes: number }>();
  private versionBytes = 0;
  private versionsOn: boolean;
  /** Batches applied; fill tokens are values of it. */
  private applied = 0;
  /** Version-key prefixes touched by batches, with the `applied` count after that batch. */
  private touched = new Map<string, number>();
  /** Fills with a token below this are refused (the touched map was cleared then). */
  private fillFloor = 0;
  readonly stats = { versionHits: 0, versionMisses: 0, lockHits: 0, fillsRefused: 0, evictions: 0 };

  constructor(
    private readonly config: MvccCacheConfig,
    private readonly logger: Logger,
  ) {
    assert(config.mvccCacheBytesMax >= 0 && config.lockMirrorBytesMax >= 0, 'cache limits must not be negative');
    this.versionsOn = config.mvccCacheBytesMax > 0;
    this.lockMirror = null;
  }

  /** Loads every lock-table entry (call once, before any batch is applied). */
  async loadLockMirror(engine: EngineReader): Promise<void> {
    if (this.config.lockMirrorBytesMax === 0) return;
    const mirror = new Map<string, Uint8Array>();
    let bytes = 0;
    const it = engine.iterator({ gte: LOCK_TABLE_SPAN.startKey, lt: LOCK_TABLE_SPAN.endKey });
    try {
      for (let e = await it.next(); e !== undefined; e = await it.next()) {
        mirror.set(keyString(e.key), e.value.slice()); // never pin an engine buffer
        bytes += e.key.length + e.value.length + ENTRY_OVERHEAD_BYTES;
        if (bytes > this.config.lockMirrorBytesMax) {
          this.logger.warn({ bytes }, 'lock table larger than lockMirrorBytesMax: point reads consult the engine for intents');
          return;
        }
      }
    } finally {
      await it.close();
    }
    this.lockMirror = mirror;
    this.lockBytes = bytes;
  }

  /** True when `lockValue` answers for every key. */
  get lockMirrorOn(): boolean {
    return this.lockMirror !== null;
  }

  /**
   * The lock-table entry at physical key `lockKey` (undefined: none), or 'unknown' when the
   * mirror is off. The buffer must not be mutated.
   */
  lockValue(lockKey: Uint8Array): Uint8Array | undefined | 'unknown' {
    if (this.lockMirror === null) return 'unknown';
    this.stats.lockHits++;
    return this.lockMirror.get(keyString(lockKey));
  }

  /** The cached newest-version fact of user key `key`, if any. The value must not be mutated. */
  newest(key: Uint8Array): NewestVersionFact | undefined {
    return this.newestById(userKeyId(key));
  }

  /** `newest` by the key's id (`userKeyId`). */
  newestById(id: string): NewestVersionFact | undefined {
    if (!this.versionsOn) return undefined;
    const e = this.versions.get(id);
    if (e === undefined) {
      this.stats.versionMisses++;
      return undefined;
    }
    // Least recently used goes first: a hit moves the entry to the back.
    this.versions.delete(id);
    this.versions.set(id, e);
    this.stats.versionHits++;
    return e.fact;
  }

  /** Taken before an engine read whose result will be offered to `fill`. */
  fillToken(): number {
    return this.applied;
  }

  /**
   * Offers the newest version of `key` as read from the engine (its newest at any
   * timestamp) by a read that started at `token`. Refused if a batch touching the key's
   * versions was applied since.
   */
  fill(key: Uint8Array, fact: NewestVersionFact, token: number): void {
    this.fillById(userKeyId(key), fact, token);
  }

  /** `fill` by the key's id (`userKeyId`). */
  fillById(id: string, fact: NewestVersionFact, token: number): void {
    if (!this.versionsOn) return;
    if (token < this.fillFloor || (this.touched.get(id) ?? 0) > token) {
      this.stats.fillsRefused++;
      return;
    }
    const value = fact.value === null ? null : fact.value.slice(); // never pin an engine buffer
    this.setVersion(id, { ts: fact.ts, value });
  }

  private setVersion(id: string, fact: NewestVersionFact): void {
    const old = this.versions.get(id);
    if (old !== undefined) {
      this.versions.delete(id);
      this.versionBytes -= old.bytes;
    }
    const bytes = id.length + (fact.value?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.config.mvccCacheBytesMax) return;
    this.versions.set(id, { fact, bytes });
    this.versionBytes += bytes;
    while (this.versionBytes > this.config.mvccCacheBytesMax) {
      const first = this.versions.entries().next();
      assert(first.done !== true, 'version cache bytes without entries');
      const [oldest, entry] = first.value;
      this.versions.delete(oldest);
      this.versionBytes -= entry.bytes;
      this.stats.evictions++;
    }
  }

  /** Bytes held by the version cache (for tests and metrics). */
  get versionCacheBytes(): number {
    return this.versionBytes;
  }

  /**
   * Folds an applied batch in. Must run in the same synchronous step in which the engine
   * reported the batch applied (no await between them).
   */
  observe(batch: WriteBatch): void {
    this.applied++;
    for (const op of batch.ops()) {
      const key = op.key;
      if (key[0] === LOCAL_PREFIX) {
        if (key[1] === LOCAL_LOCK_MARKER && this.lockMirror !== null) this.observeLock(key, op.kind === 'put' ? op.value : null);
        continue;
      }
      if (!this.versionsOn) continue;
      const id = versionOwnerId(key) as string;
      this.noteTouched(id);
      const entry = this.versions.get(id);
      if (entry === undefined) continue;
      if (op.kind === 'del') {
        // A version disappeared (GC, later): whatever is newest now is unknown.
        this.versions.delete(id);
        this.versionBytes -= entry.bytes;
        continue;
      }
      const ts = versionKeyTimestamp(key);
      const cachedTs = entry.fact.ts;
      if (cachedTs !== null && tsCompare(ts, cachedTs) < 0) continue; // an older version: newest unchanged
      this.setVersion(id, { ts, value: decodeVersionValue(op.value) });
    }
  }

  private observeLock(key: Uint8Array, value: Uint8Array | null): void {
    const mirror = this.lockMirror;
    assert(mirror !== null, 'lock mirror is off');
    const id = keyString(key);
    const old = mirror.get(id);
    if (old !== undefined) this.lockBytes -= key.length + old.length + ENTRY_OVERHEAD_BYTES;
    if (value === null) {
      mirror.delete(id);
      return;
    }
    mirror.set(id, value);
    this.lockBytes += key.length + value.length + ENTRY_OVERHEAD_BYTES;
    if (this.lockBytes > this.config.lockMirrorBytesMax) {
      this.logger.warn({ bytes: this.lockBytes }, 'lock table grew beyond lockMirrorBytesMax: the lock mirror is off');
      this.lockMirror = null;
    }
  }

  private noteTouched(id: string): void {
    this.touched.set(id, this.applied);
    if (this.touched.size > TOUCHED_KEYS_MAX) {
      // Forget keys one by one; refuse every fill whose read started before now instead.
      this.touched = new Map();
      this.fillFloor = this.applied;
    }
  }

  /** After a failed write the engine's state is unknown: stop answering from memory. */
  disable(): void {
    this.lockMirror = null;
    this.versions.clear();
    this.versionBytes = 0;
    this.versionsOn = false;
  }
}

function versionKeyTimestamp(key: Uint8Array): Timestamp {
  const view = new DataView(key.buffer, key.byteOffset + key.length - TS_SUFFIX_BYTES, TS_SUFFIX_BYTES);
  return { wall: WALL_MAX - view.getBigUint64(0), logical: LOGICAL_MAX - view.getUint32(8) };
}

/**
 * The store's engine with the cache attached: reads pass through, every write is folded
 * into the cache as soon as the engine applied it.
 */
export class CachingEngine implements Engine {
  constructor(
    private readonly inner: Engine,
    readonly cache: MvccCache,
  ) {}

  get kind(): 'classic' | 'memory' {
    return this.inner.kind;
  }

  get stats(): EngineStats {
    return this.inner.stats;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }

  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return this.inner.getMany(keys);
  }

  iterator(options: IteratorOptions): EngineIterator {
    return this.inner.iterator(options);
  }

  async write(batch: WriteBatch, options: { readonly sync: boolean }): Promise<void> {
    try {
      await this.inner.write(batch, options);
    } catch (err) {
      this.cache.disable();
      throw err;
    }
    this.cache.observe(batch);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
