/**
 * An Elle-style checker for list-append histories. Transactions append unique values to
 * lists and read whole lists. Because every read returns the list's entire past, reads
 * reveal the order of versions of each key (the longest read; every other read must be a
 * prefix of it), and with it the dependencies between transactions:
 *
 *   ww  T1 appended the version before T2's append to the same key
 *   wr  T2 read a list whose last element T1 appended
 *   rw  T1 read a list that T2's append extended (an anti-dependency)
 *
 * Anomalies (Adya's, as Elle names them): G1a aborted read (a failed txn's append was
 * read), G1b intermediate read (a read ended in a value its writer later followed with
 * another append to that key), G0 (a cycle of ww edges), G1c (a cycle of ww/wr edges), G-single
 * (a cycle with exactly one rw edge: read skew, lost update), G2 (a cycle with two or more rw
 * edges: write skew). Also reported: incompatible-order (two reads of a key that are not
 * prefixes of one another), garbage-read (a value nobody appended), duplicate-elements,
 * internal (a txn's read disagrees with its own earlier reads and appends).
 */
import { addAnomaly, operations, resultOf, type CheckResult, type HistoryEvent, type Operation } from '../history.ts';
import { DepGraph, type EdgeType } from './graph.ts';

export type MicroOp = readonly ['append', number, number] | readonly ['r', number, readonly number[] | null];
export type TxnValue = readonly MicroOp[];

interface Writer {
  readonly txn: number;
  /** True when it is the txn's last append to the key. */
  readonly final: boolean;
}

const ALL: ReadonlySet<EdgeType> = new Set(['ww', 'wr', 'rw']);
const WW: ReadonlySet<EdgeType> = new Set(['ww']);
const WWR: ReadonlySet<EdgeType> = new Set(['ww', 'wr']);

function describe(ops: readonly Operation<TxnValue>[], t: number): string {
  const o = ops[t] as Operation<TxnValue>;
  const mops = o.value.map((m) => (m[0] === 'append' ? `a(${m[1]},${m[2]})` : `r(${m[1]},${m[2] === null ? '?' : `[${m[2].join(' ')}]`})`));
  return `T${t}[p${o.process} ${o.type} ${mops.join(' ')}]`;
}

/** The list a read saw of the state before the txn's own appends (own trailing values removed). */
function externalRead(list: readonly number[], ownAppends: readonly number[]): readonly number[] {
  let n = list.length;
  for (let i = ownAppends.length - 1; i >= 0 && n > 0 && list[n - 1] === ownAppends[i]; i--) n--;
  return list.slice(0, n);
}

function collectWrites(ops: readonly Operation<TxnValue>[], anomalies: Map<string, string[]>): { writers: Map<string, Writer>; failed: Set<string> } {
  const writers = new Map<string, Writer>();
  const failed = new Set<string>();
  ops.forEach((o, t) => {
    const appends = o.value.filter((m) => m[0] === 'append');
    appends.forEach((m, i) => {
      const id = `${m[1]}:${String(m[2])}`;
      if (o.type === 'fail') {
        failed.add(id);
        return;
      }
      if (writers.has(id)) addAnomaly(anomalies, 'duplicate-append', `value ${id} appended twice (generator bug)`);
      const final = !appends.slice(i + 1).some((n) => n[1] === m[1]);
      writers.set(id, { txn: t, final });
    });
  });
  return { writers, failed };
}

interface Read {
  readonly txn: number;
  readonly key: number;
  /** What the read saw of the state before the txn's own appends. */
  readonly external: readonly number[];
  readonly full: readonly number[];
}

/** Every read of an ok txn, with internal-consistency checks. */
function collectReads(ops: readonly Operation<TxnValue>[], anomalies: Map<string, string[]>): Read[] {
  const reads: Read[] = [];
  ops.forEach((o, t) => {
    if (o.type !== 'ok') return;
    const own = new Map<number, number[]>();
    const seen = new Map<number, readonly number[]>();
    for (const m of o.value) {
      if (m[0] === 'append') {
        own.set(m[1], [...(own.get(m[1]) ?? []), m[2]]);
        continue;
      }
      const list = m[2] ?? [];
      const mine = own.get(m[1]) ?? [];
      const before = seen.get(m[1]);
      if (before !== undefined && list.join(',') !== [...before, ...mine].join(',')) {
        addAnomaly(anomalies, 'internal', `${describe(ops, t)} read key ${m[1]} as [${list.join(' ')}] after [${before.join(' ')}] and its own appends`);
      }
      const external = externalRead(list, mine);
      if (external.length + mine.length !== list.length && mine.length > 0) {
        addAnomaly(anomalies, 'internal', `${describe(ops, t)} does not see its own appends to key ${m[1]}`);
      }
      if (before === undefined) seen.set(m[1], external);
      reads.push({ txn: t, key: m[1], external, full: list });
    }
  });
  return reads;
}

function checkReadValues(ops: readonly Operation<TxnValue>[], reads: readonly Read[], writers: Map<string, Writer>, failed: Set<string>, anomalies: Map<string, string[]>): void {
  for (const r of reads) {
    if (new Set(r.full).size !== r.full.length) addAnomaly(anomalies, 'duplicate-elements', `${describe(ops, r.txn)} read key ${r.key} with a value twice`);
    for (const v of r.full) {
      const id = `${r.key}:${v}`;
      if (failed.has(id)) addAnomaly(anomalies, 'G1a', `${describe(ops, r.txn)} read ${v} of key ${r.key}, appended by a transaction that failed`);
      else if (!writers.has(id)) addAnomaly(anomalies, 'garbage-read', `${describe(ops, r.txn)} read ${v} of key ${r.key}, which nobody appended`);
    }
    const last = r.external[r.external.length - 1];
    if (last === undefined) continue;
    const w = writers.get(`${r.key}:${last}`);
    if (w !== undefined && w.txn !== r.txn && !w.final) {
      addAnomaly(anomalies, 'G1b', `${describe(ops, r.txn)} read key ${r.key} ending in ${last}, an intermediate append of ${describe(ops, w.txn)}`);
    }
  }
}

/** Each key's version order: its longest read; every read must be a prefix of it. */
function versionOrders(ops: readonly Operation<TxnValue>[], reads: readonly Read[], anomalies: Map<string, string[]>): Map<number, readonly number[]> {
  const orders = new Map<number, readonly number[]>();
  for (const r of reads) if (r.full.length > (orders.get(r.key)?.length ?? -1)) orders.set(r.key, r.full);
  for (const r of reads) {
    const order = orders.get(r.key) as readonly number[];
    if (r.full.some((v, i) => order[i] !== v)) {
      addAnomaly(anomalies, 'incompatible-order', `key ${r.key}: ${describe(ops, r.txn)} read [${r.full.join(' ')}], not a prefix of [${order.join(' ')}]`);
    }
  }
  return orders;
}

function buildGraph(reads: readonly Read[], writers: Map<string, Writer>, orders: Map<number, readonly number[]>): DepGraph {
  const g = new DepGraph();
  const writerOf = (k: number, v: number | undefined): number | null => (v === undefined ? null : (writers.get(`${k}:${v}`)?.txn ?? null));
  for (const [k, order] of orders) {
    for (let i = 0; i + 1 < order.length; i++) {
      const a = writerOf(k, order[i]);
      const b = writerOf(k, order[i + 1]);
      if (a !== null && b !== null) g.add(a, b, 'ww');
    }
  }
  for (const r of reads) {
    const order = orders.get(r.key) ?? [];
    if (r.external.some((v, i) => order[i] !== v)) continue; // reported as incompatible-order
    const w = writerOf(r.key, r.external[r.external.length - 1]);
    if (w !== null) g.add(w, r.txn, 'wr');
    // The version right after what the read saw: its writer overwrote what r read.
    const next = writerOf(r.key, order[r.external.length]);
    if (next !== null && next !== r.txn) g.add(r.txn, next, 'rw');
  }
  return g;
}

function cycleText(ops: readonly Operation<TxnValue>[], g: DepGraph, cycle: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i + 1 < cycle.length; i++) {
    const a = cycle[i] as number;
    const b = cycle[i + 1] as number;
    const types = (['ww', 'wr', 'rw'] as const).filter((t) => g.has(a, b, t));
    parts.push(`${describe(ops, a)} -${types.join('/')}->`);
  }
  parts.push(describe(ops, cycle[0] as number));
  return parts.join(' ');
}

/** A cycle through an edge a->b of `first` type, closed by a path b->a over `rest`. */
function cycleThrough(g: DepGraph, first: EdgeType, rest: ReadonlySet<EdgeType>, within: ReadonlySet<number>): number[] | null {
  for (const a of within) {
    for (const b of g.next(a, new Set([first]))) {
      if (!within.has(b)) continue;
      const p = g.path(b, a, rest, within);
      if (p !== null) return [a, ...p];
    }
  }
  return null;
}

function findCycles(ops: readonly Operation<TxnValue>[], g: DepGraph, anomalies: Map<string, string[]>): void {
  for (const scc of g.sccs(WW)) {
    const c = cycleThrough(g, 'ww', WW, new Set(scc));
    if (c !== null) addAnomaly(anomalies, 'G0', cycleText(ops, g, c));
  }
  for (const scc of g.sccs(WWR)) {
    const c = cycleThrough(g, 'wr', WWR, new Set(scc));
    if (c !== null) addAnomaly(anomalies, 'G1c', cycleText(ops, g, c));
  }
  for (const scc of g.sccs(ALL)) {
    const within = new Set(scc);
    const single = cycleThrough(g, 'rw', WWR, within);
    if (single !== null) {
      addAnomaly(anomalies, 'G-single', cycleText(ops, g, single));
      continue;
    }
    const multi = cycleThrough(g, 'rw', ALL, within);
    if (multi !== null) addAnomaly(anomalies, 'G2', cycleText(ops, g, multi));
  }
}

export function checkListAppend(events: readonly HistoryEvent[]): CheckResult {
  const ops = operations(events as readonly HistoryEvent<TxnValue>[]).filter((o) => o.f === 'txn');
  const anomalies = new Map<string, string[]>();
  const { writers, failed } = collectWrites(ops, anomalies);
  const reads = collectReads(ops, anomalies);
  checkReadValues(ops, reads, writers, failed, anomalies);
  const orders = versionOrders(ops, reads, anomalies);
  findCycles(ops, buildGraph(reads, writers, orders), anomalies);
  return resultOf(ops.filter((o) => o.type === 'ok').length, anomalies);
}
