import { assert } from '../util/index.ts';
import { compareBytes, keyString } from './bytes.ts';

/**
 * The storage engine: one ordered byte map per store (classic-level for real nodes,
 * memory-level for tests and simulation). Keys compare bytewise. Everything kv stores
 * (MVCC versions, intents, txn records, range descriptors, later the raft log) goes
 * through this interface.
 *
 * Buffers returned by reads belong to the caller. Buffers passed to a `WriteBatch` must not
 * be mutated afterwards.
 */
export interface EngineEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Bounds are half-open: [gte, lt). */
export interface IteratorOptions {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
  readonly reverse?: boolean;
  /** Entries fetched per round trip to the engine (a performance knob, not a limit). */
  readonly chunkEntries?: number;
}

export interface EngineIterator {
  /** The next entry in iteration order, or undefined at the end. */
  next(): Promise<EngineEntry | undefined>;
  /**
   * The next entry if the iterator can tell without a round trip to the engine: an entry,
   * undefined at the end, or null when only `next()` can tell. Hot loops call this first
   * and await `next()` only on null, so rows already buffered cost no promise each.
   */
  nextBuffered(): EngineEntry | undefined | null;
  /** Idempotent; must be called when the caller stops early. */
  close(): Promise<void>;
}

export interface EngineReader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Values in the order of `keys`. */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  iterator(options: IteratorOptions): EngineIterator;
}

export interface EngineStats {
  /** Batches written with sync (one fsync each on classic-level). */
  syncedWrites: number;
  /** All batches written. */
  writes: number;
}

export interface Engine extends EngineReader {
  readonly kind: 'classic' | 'memory';
  /** Applies the batch atomically; with `sync` it is durable when the promise resolves. */
  write(batch: WriteBatch, options: { readonly sync: boolean }): Promise<void>;
  readonly stats: EngineStats;
  close(): Promise<void>;
}

export type WriteOp =
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'del'; readonly key: Uint8Array };

/**
 * An ordered set of puts and deletes applied atomically. Later operations on a key replace
 * earlier ones (only the last survives), so the batch doubles as an overlay that evaluation
 * reads through (see `BatchReader`).
 */
export class WriteBatch {
  private readonly byKey = new Map<string, WriteOp>();
  private bytes = 0;
  /** Ids that `indexOf` gave the keys written so far (see `touches`). */
  private readonly indexed: Set<string> | null;

  /**
   * `indexOf`, if given, maps a key to an id (or null) recorded for every operation, so
   * that `touches(id)` can answer whether the batch wrote a key with that id. Evaluation
   * indexes MVCC version keys by their user key: "has this batch written a version of k?"
   */
  constructor(private readonly indexOf: ((key: Uint8Array) => string | null) | null = null) {
    this.indexed = indexOf === null ? null : new Set();
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.set({ kind: 'put', key, value });
  }

  del(key: Uint8Array): void {
    this.set({ kind: 'del', key });
  }

  private set(op: WriteOp): void {
    if (this.indexOf !== null) {
      const indexId = this.indexOf(op.key);
      if (indexId !== null) this.indexed?.add(indexId);
    }
    const id = keyString(op.key);
    const old = this.byKey.get(id);
    if (old !== undefined) {
      this.bytes -= opBytes(old);
      this.byKey.delete(id); // re-insert so iteration order is the order of last writes
    }
    this.byKey.set(id, op);
    this.bytes += opBytes(op);
  }

  /** True when an operation written so far had index id `id`; undefined for a batch built without an index. */
  touches(id: string): boolean | undefined {
    return this.indexed === null ? undefined : this.indexed.has(id);
  }

  /** The pending operation on `key`, if any. */
  lookup(key: Uint8Array): WriteOp | undefined {
    return this.byKey.get(keyString(key));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Approximate encoded size of the batch (keys plus values). */
  get byteSize(): number {
    return this.bytes;
  }

  ops(): IterableIterator<WriteOp> {
    return this.byKey.values();
  }

  /** Appends every operation of `other` (other's ops win on the same key). */
  append(other: WriteBatch): void {
    for (const op of other.ops()) this.set(op);
  }

  /** The operations with keys in [gte, lt), sorted by key (descending when reverse). */
  sortedOps(gte: Uint8Array, lt: Uint8Array, reverse: boolean): WriteOp[] {
    const out: WriteOp[] = [];
    for (const op of this.byKey.values()) {
      if (compareBytes(op.key, gte) >= 0 && compareBytes(op.key, lt) < 0) out.push(op);
    }
    out.sort((a, b) => (reverse ? compareBytes(b.key, a.key) : compareBytes(a.key, b.key)));
    return out;
  }
}

function opBytes(op: WriteOp): number {
  return op.key.length + (op.kind === 'put' ? op.value.length : 0) + 8;
}

/**
 * A reader that sees `batch` applied on top of `base`: evaluation of a request reads what
 * the earlier requests of the same batch wrote.
 */
export class BatchReader implements EngineReader {
  constructor(
    private readonly base: EngineReader,
    private readonly batch: WriteBatch,
  ) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const op = this.batch.lookup(key);
    if (op !== undefined) return op.kind === 'put' ? op.value : undefined;
    return this.base.get(key);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const missing: Uint8Array[] = [];
    for (const k of keys) if (this.batch.lookup(k) === undefined) missing.push(k);
    const fromBase = missing.length > 0 ? await this.base.getMany(missing) : [];
    let at = 0;
    return keys.map((k) => {
      const op = this.batch.lookup(k);
      if (op !== undefined) return op.kind === 'put' ? op.value : undefined;
      return fromBase[at++];
    });
  }

  iterator(options: IteratorOptions): EngineIterator {
    if (this.batch.size === 0) return this.base.iterator(options);
    const reverse = options.reverse === true;
    return new MergingIterator(this.base.iterator(options), this.batch.sortedOps(options.gte, options.lt, reverse), reverse);
  }
}

/** Merges an engine iterator with sorted batch operations; the batch wins on equal keys. */
class MergingIterator implements EngineIterator {
  private baseHead: EngineEntry | undefined | null = null; // null: not fetched yet
  private opAt = 0;

  constructor(
    private readonly base: EngineIterator,
    private readonly ops: readonly WriteOp[],
    private readonly reverse: boolean,
  ) {}

  async next(): Promise<EngineEntry | undefined> {
    for (;;) {
      const e = this.nextBuffered();
      if (e !== null) return e;
      this.baseHead = await this.base.next();
    }
  }

  nextBuffered(): EngineEntry | undefined | null {
    for (;;) {
      if (this.baseHead === null) {
        const head = this.base.nextBuffered();
        if (head === null) return null;
        this.baseHead = head;
      }
      const op = this.ops[this.opAt];
      const head = this.baseHead;
      if (op === undefined) {
        if (head === undefined) return undefined;
        this.baseHead = null;
        return head;
      }
      const order = head === undefined ? -1 : this.reverse ? compareBytes(head.key, op.key) : compareBytes(op.key, head.key);
      // order < 0: the op comes first; order === 0: the op replaces the base entry.
      if (order > 0) {
        assert(head !== undefined, 'merge: head must exist when it sorts first');
        this.baseHead = null;
        return head;
      }
      if (order === 0) this.baseHead = null;
      this.opAt++;
      if (op.kind === 'put') return { key: op.key, value: op.value };
    }
  }

  async close(): Promise<void> {
    await this.base.close();
  }
}
