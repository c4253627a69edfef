/**
 * Sequence values. A sequence's state (the last value that may have been handed out) is
 * one KV key, changed only by short autonomous transactions, so nextval is never rolled
 * back with the statement that called it, and a value handed out is never handed out
 * again, even after a crash: a node reserves a block of values durably first and hands
 * them out from memory (values of a block a crashed node did not use are skipped, as
 * PostgreSQL skips the values it WAL-logged ahead).
 *
 * nextval and setval are synchronous (expression evaluation is): a statement reserves
 * blocks before it runs (`prepare`); should it draw more values than it reserved, the
 * excess is made durable (`settle`) before its rows leave the node or it commits.
 * Errors: 2200H when a sequence without CYCLE is exhausted, 55000 for currval/lastval
 * before any nextval in the session.
 */
import type { TxnCoordinator } from '../../txn/index.ts';
import { sequenceValueKey } from '../storage/keys.ts';
import { sqlError } from '../sql-error.ts';
import { decodeJson, encodeJson } from './catalog.ts';
import type { SequenceDesc } from './descriptors.ts';

/** Values a node reserves per KV round trip. */
export const SEQUENCE_BLOCK_VALUES = 64n;
/** Attempts of a reservation that conflicts with another node's or session's. */
const RESERVE_ATTEMPTS_MAX = 20;

interface StoredState {
  /** The last value handed out (or reserved), as a decimal string; null before any. */
  readonly last: string | null;
  /** False after setval(..., false): `last` itself is the next value. */
  readonly called: boolean;
}

interface CachedBlock {
  /** The next value to hand out (before bounds are applied). */
  next: bigint;
  /** The last value made durable; handing out beyond it needs a settle. */
  durableUpTo: bigint;
  /** setval (or a CYCLE wrap) moved the sequence: persist exactly `next` at settle. */
  forced: { last: bigint; called: boolean } | null;
  overdrawn: boolean;
}

const big = (s: string): bigint => BigInt(s);

/** The node's sequence cache; one per SQL service. */
export class SequenceCache {
  private readonly blocks = new Map<number, CachedBlock>();

  constructor(private readonly txns: TxnCoordinator) {}

  /** Makes sure each sequence has at least one durable value cached. */
  async prepare(seqs: readonly SequenceDesc[]): Promise<void> {
    // A statement that failed before its settle may have left setval positions or
    // overdrawn values behind: persist them before reading the durable state again.
    if (this.needsSettle) await this.settle();
    for (const seq of seqs) {
      const b = this.blocks.get(seq.id);
      if (b !== undefined && b.forced === null && !b.overdrawn && remaining(seq, b) > 0n) continue;
      await this.reserve(seq);
    }
  }

  /** Persists values drawn beyond the reserved blocks and setval positions. */
  async settle(): Promise<void> {
    for (const [id, b] of this.blocks) {
      if (b.forced === null && !b.overdrawn) continue;
      const state: StoredState = b.forced !== null ? { last: String(b.forced.last), called: b.forced.called } : { last: String(b.durableUpTo), called: true };
      await this.autonomous(id, () => state);
      b.forced = null;
      b.overdrawn = false;
    }
  }

  get needsSettle(): boolean {
    for (const b of this.blocks.values()) if (b.forced !== null || b.overdrawn) return true;
    return false;
  }

  /** nextval: the next value, synchronously; bounds and CYCLE as PostgreSQL applies them. */
  nextval(seq: SequenceDesc): bigint {
    const b = this.blocks.get(seq.id) ?? this.emptyBlock(seq);
    const inc = big(seq.increment);
    let v = b.next;
    if (inc > 0n ? v > big(seq.maxValue) : v < big(seq.minValue)) {
      if (!seq.cycle) {
        const bound = inc > 0n ? `maximum value of sequence "${seq.name}" (${seq.maxValue})` : `minimum value of sequence "${seq.name}" (${seq.minValue})`;
        throw sqlError('2200H', `nextval: reached ${bound}`);
      }
      v = inc > 0n ? big(seq.minValue) : big(seq.maxValue);
      b.forced = { last: v, called: true };
    }
    b.next = v + inc;
    if (b.forced !== null) b.forced = { last: v, called: true };
    else if (inc > 0n ? v > b.durableUpTo : v < b.durableUpTo) {
      b.durableUpTo = v;
      b.overdrawn = true;
    }
    return v;
  }

  /** setval(seq, value, isCalled): 22003 outside the sequence's bounds. */
  setval(seq: SequenceDesc, value: bigint, isCalled: boolean): bigint {
    if (value < big(seq.minValue) || value > big(seq.maxValue)) {
      throw sqlError('22003', `setval: value ${value} is out of bounds for sequence "${seq.name}" (${seq.minValue}..${seq.maxValue})`);
    }
    const b = this.blocks.get(seq.id) ?? this.emptyBlock(seq);
    b.next = isCalled ? value + big(seq.increment) : value;
    b.durableUpTo = isCalled ? value : value - big(seq.increment);
    b.forced = { last: value, called: isCalled };
    b.overdrawn = false;
    return value;
  }

  /** Forgets a dropped sequence. */
  forget(id: number): void {
    this.blocks.delete(id);
  }

  private emptyBlock(seq: SequenceDesc): CachedBlock {
    // Only reached when prepare did not run for this sequence (a bug in the caller).
    throw new Error(`internal: sequence ${seq.name} used without prepare`);
  }

  /**
   * The durable state, as `SELECT last_value, is_called FROM seq` reports it: the last value
   * this or any node may have handed out (blocks are reserved ahead, as PostgreSQL's CACHE does).
   */
  async state(seq: SequenceDesc): Promise<{ last: bigint; called: boolean }> {
    if (this.needsSettle) await this.settle();
    const txn = this.txns.begin();
    try {
      const raw = await txn.get(sequenceValueKey(seq.id));
      const state = raw === null ? { last: null, called: false } : (decodeJson(raw) as StoredState);
      return state.last === null ? { last: big(seq.start), called: false } : { last: big(state.last), called: state.called };
    } finally {
      await txn.rollback();
    }
  }

  private async reserve(seq: SequenceDesc): Promise<void> {
    const inc = big(seq.increment);
    let first = 0n;
    let last = 0n;
    await this.autonomous(seq.id, (state) => {
      first = state.last === null ? big(seq.start) : state.called ? big(state.last) + inc : big(state.last);
      const bound = inc > 0n ? big(seq.maxValue) : big(seq.minValue);
      last = first + (SEQUENCE_BLOCK_VALUES - 1n) * inc;
      if (inc > 0n ? last > bound : last < bound) last = bound;
      if (inc > 0n ? first > bound : first < bound) last = first - inc; // exhausted: nextval decides
      return { last: String(last), called: true };
    });
    this.blocks.set(seq.id, { next: first, durableUpTo: last, forced: null, overdrawn: false });
  }

  /** Reads and rewrites one sequence's state in its own short transaction (retried on conflict). */
  private async autonomous(id: number, update: (state: StoredState) => StoredState): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const txn = this.txns.begin();
      try {
        const raw = await txn.get(sequenceValueKey(id));
        const state = raw === null ? { last: null, called: false } : (decodeJson(raw) as StoredState);
        txn.put(sequenceValueKey(id), encodeJson(update(state)));
        await txn.commit();
        return;
      } catch (err) {
        await txn.rollback();
        if (attempt >= RESERVE_ATTEMPTS_MAX) throw err;
      }
    }
  }
}

function remaining(seq: SequenceDesc, b: CachedBlock): bigint {
  const inc = big(seq.increment);
  const left = (b.durableUpTo - b.next) / inc + 1n;
  return left < 0n ? 0n : left;
}

/** A session's view of sequences: the node cache plus currval/lastval memory. */
export class SessionSequences {
  private readonly current = new Map<number, bigint>();
  private last: bigint | null = null;

  constructor(readonly cache: SequenceCache) {}

  nextval(seq: SequenceDesc): bigint {
    const v = this.cache.nextval(seq);
    this.current.set(seq.id, v);
    this.last = v;
    return v;
  }

  currval(seq: SequenceDesc): bigint {
    const v = this.current.get(seq.id);
    if (v === undefined) throw sqlError('55000', `currval of sequence "${seq.name}" is not yet defined in this session`);
    return v;
  }

  lastval(): bigint {
    if (this.last === null) throw sqlError('55000', 'lastval is not yet defined in this session');
    return this.last;
  }

  state(seq: SequenceDesc): Promise<{ last: bigint; called: boolean }> {
    return this.cache.state(seq);
  }

  setval(seq: SequenceDesc, value: bigint, isCalled: boolean): bigint {
    const v = this.cache.setval(seq, value, isCalled);
    if (isCalled) {
      this.current.set(seq.id, v);
    }
    return v;
  }
}
