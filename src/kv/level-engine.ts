import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { TesseraError } from '../util/index.ts';
import type { Engine, EngineEntry, EngineIterator, EngineStats, IteratorOptions, WriteBatch } from './engine.ts';
import { storeLocalKey } from './keys.ts';

/** The on-disk format version this code reads and writes. Bump on incompatible changes. */
export const STORE_VERSION = 1;
const STORE_VERSION_KEY = storeLocalKey('store-version');

export type OpenEngineOptions =
  | { readonly path: string; readonly memory?: false }
  | { readonly memory: true };

/** The part of abstract-level (classic-level, memory-level) the engine uses. */
interface LevelIterator {
  nextv(size: number): Promise<[Uint8Array, Uint8Array][]>;
  close(): Promise<void>;
}
interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  getMany(keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  iterator(options: { gte: Uint8Array; lt: Uint8Array; reverse: boolean }): LevelIterator;
  batch(ops: LevelOp[], options: { sync: boolean }): Promise<void>;
  /**
   * abstract-level's private (implementor's) batch: the operations go to the store as they
   * are. Used for classic-level only, whose native batch reads just type, key and value.
   */
  _batch(ops: LevelOp[], options: { sync: boolean }): Promise<void>;
}
type LevelOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/**
 * Opens a store. A fresh (empty) store gets the version marker; an existing one must carry
 * this code's version. Errors (TesseraError):
 * - 'store-locked': another process (or another open in this one) holds the store's LOCK;
 * - 'store-version': the directory holds data of another format version, or no marker.
 */
export async function openEngine(options: OpenEngineOptions): Promise<Engine> {
  const memory = options.memory === true;
  const db: LevelDb = memory
    ? (new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view', storeEncoding: 'view' }) as unknown as LevelDb)
    : (new ClassicLevel<Uint8Array, Uint8Array>((options as { path: string }).path, {
        keyEncoding: 'view',
        valueEncoding: 'view',
      }) as unknown as LevelDb);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      const where = memory ? 'memory' : (options as { path: string }).path;
      throw new TesseraError('store-locked', `store ${where} is locked by another process (its LOCK file is held)`, { cause: err });
    }
    throw err;
  }
  const engine = new LevelEngine(db, memory ? 'memory' : 'classic');
  try {
    await checkStoreVersion(engine, memory ? 'memory' : (options as { path: string }).path);
  } catch (err) {
    await engine.close();
    throw err;
  }
  return engine;
}

async function checkStoreVersion(engine: LevelEngine, where: string): Promise<void> {
  const marker = await engine.get(STORE_VERSION_KEY);
  if (marker === undefined) {
    const it = engine.iterator({ gte: new Uint8Array(0), lt: Uint8Array.of(0xff, 0xff, 0xff) });
    const any = await it.next();
    await it.close();
    if (any !== undefined) {
      throw new TesseraError('store-version', `store ${where} has data but no Tessera store version marker; refusing to open it`);
    }
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, STORE_VERSION);
    await engine.db.batch([{ type: 'put', key: STORE_VERSION_KEY, value }], { sync: true });
    return;
  }
  const found = marker.length === 4 ? new DataView(marker.buffer, marker.byteOffset, 4).getUint32(0) : -1;
  if (found !== STORE_VERSION) {
    throw new TesseraError(
      'store-version',
      `store ${where} has format version ${found}, this build reads version ${STORE_VERSION}; use a matching build or a fresh directory`,
    );
  }
}

class LevelEngine implements Engine {
  readonly stats: EngineStats = { syncedWrites: 0, writes: 0 };
  private closed = false;
  /** Writes handed to classic-level's private batch and not yet settled. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly db: LevelDb,
    readonly kind: 'classic' | 'memory',
  ) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = await this.db.get(key);
    return v === undefined ? undefined : plain(v);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const values = await this.db.getMany([...keys]);
    return values.map((v) => (v === undefined ? undefined : plain(v)));
  }

  iterator(options: IteratorOptions): EngineIterator {
    return new LevelEngineIterator(
      this.db.iterator({ gte: options.gte, lt: options.lt, reverse: options.reverse === true }),
      options.chunkEntries ?? 1024,
    );
  }

  /**
   * classic-level goes through its private `_batch`: abstract-level's public batch() clones
   * and re-encodes every operation in JavaScript (its per-op work was 25 % of a COPY's CPU;
   * 100k puts in 5k-op batches took 0.9-1.0 s of CPU public, 0.3 s private). Our keys and
   * values are already bytes, and we keep the guarantees the public path gave: no write
   * after close, and close waits for writes in flight.
   */
  async write(batch: WriteBatch, options: { readonly sync: boolean }): Promise<void> {
    const ops: LevelOp[] = [];
    for (const op of batch.ops()) {
      ops.push(op.kind === 'put' ? { type: 'put', key: op.key, value: op.value } : { type: 'del', key: op.key });
    }
    if (ops.length === 0) return;
    if (this.closed) throw new TesseraError('engine-closed', 'the store is closed');
    this.stats.writes++;
    if (options.sync) this.stats.syncedWrites++;
    if (this.kind !== 'classic') {
      await this.db.batch(ops, { sync: options.sync });
      return;
    }
    const write = this.db._batch(ops, { sync: options.sync });
    this.inFlight.add(write);
    try {
      await write;
    } finally {
      this.inFlight.delete(write);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.db.close();
  }
}

/**
 * classic-level hands out Buffers; callers (and their deepEqual tests) get plain
 * Uint8Arrays over the same memory.
 */
function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Entries of the first fetch; fetches grow x4 from here up to the iterator's chunk size. */
const FIRST_CHUNK_ENTRIES = 16;

/**
 * Fetches entries in chunks that grow from 16 up to `chunkMax`: cheap for point-ish scans.
 * Once a scan has consumed a second full chunk it is a long scan, and each fetch starts the
 * next one as soon as it lands (read-ahead): LevelDB reads on libuv's pool while this thread
 * works through the chunk in hand. (A pending fetch is awaited by close; abstract-level
 * delays closing an iterator until its fetch settles.)
 */
class LevelEngineIterator implements EngineIterator {
  private buffer: [Uint8Array, Uint8Array][] = [];
  private at = 0;
  private chunk = FIRST_CHUNK_ENTRIES;
  private fetches = 0;
  private exhausted = false;
  private closed = false;
  /** The read-ahead fetch in flight, with the size it asked for. */
  private ahead: { readonly entries: Promise<[Uint8Array, Uint8Array][]>; readonly size: number } | null = null;

  constructor(
    private readonly it: LevelIterator,
    private readonly chunkMax: number,
  ) {}

  private fetch(): { readonly entries: Promise<[Uint8Array, Uint8Array][]>; readonly size: number } {
    const size = this.chunk;
    this.chunk = Math.min(this.chunk * 4, this.chunkMax);
    this.fetches++;
    const entries = this.it.nextv(size);
    entries.catch(() => undefined); // a read-ahead nobody awaits must not be an unhandled rejection
    return { entries, size };
  }

  async next(): Promise<EngineEntry | undefined> {
    const buffered = this.nextBuffered();
    if (buffered !== null) return buffered;
    const f = this.ahead ?? this.fetch();
    this.ahead = null;
    this.buffer = await f.entries;
    this.at = 0;
    if (this.buffer.length === 0) {
      this.exhausted = true;
      return undefined;
    }
    // A short chunk (a byte limit, or the end) starts no read-ahead.
    if (this.buffer.length === f.size && this.fetches >= 2 && !this.closed) this.ahead = this.fetch();
    return this.nextBuffered() ?? undefined;
  }

  nextBuffered(): EngineEntry | undefined | null {
    if (this.at < this.buffer.length) {
      const entry = this.buffer[this.at++] as [Uint8Array, Uint8Array];
      return { key: plain(entry[0]), value: plain(entry[1]) };
    }
    return this.exhausted || this.closed ? undefined : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.it.close();
  }
}
