/**
 * A linearizability checker for registers (read / write / compare-and-set), in the style of
 * Knossos and Porcupine: the Wing & Gong search with Lowe's memoization. Operations that
 * failed are dropped (they did not happen); operations with unknown outcome ('info') may
 * take effect at any point after their invocation, or never. Each key is an independent
 * register and is checked on its own.
 */
import { addAnomaly, operations, resultOf, type CheckResult, type HistoryEvent, type Operation } from '../history.ts';

export type RegisterOp =
  | { readonly key: number; readonly value: number | null } // read (value: what was read) or write
  | { readonly key: number; readonly from: number; readonly to: number }; // cas

type State = number | null;

interface Entry {
  readonly kind: 'call' | 'return';
  readonly op: number;
  readonly time: number;
  prev: Entry | null;
  next: Entry | null;
  match: Entry | null;
}

/** The register model: is `op` allowed in `state`, and the state after it. */
function step(state: State, f: string, v: RegisterOp): { ok: boolean; next: State } {
  if (f === 'read') return { ok: 'value' in v && v.value === state, next: state };
  if (f === 'write') return { ok: true, next: 'value' in v ? v.value : state };
  if (f === 'cas' && 'from' in v) return { ok: state === v.from, next: v.to };
  throw new Error(`unknown register op ${f}`);
}

/** Checks one register's operations; returns null when linearizable, else an explanation. */
export function linearizeRegister(ops: readonly Operation<RegisterOp>[], initial: State, maxSteps = 2_000_000): string | null {
  // Reads with unknown outcome constrain nothing; failed ops did not happen.
  const kept = ops.filter((o) => o.type === 'ok' || (o.type === 'info' && o.f !== 'read'));
  const entries: Entry[] = [];
  kept.forEach((o, i) => {
    const call: Entry = { kind: 'call', op: i, time: o.invoke.index, prev: null, next: null, match: null };
    const ret: Entry = { kind: 'return', op: i, time: o.type === 'ok' ? (o.complete as HistoryEvent).index : Number.POSITIVE_INFINITY, prev: null, next: null, match: null };
    call.match = ret;
    entries.push(call, ret);
  });
  entries.sort((a, b) => a.time - b.time || (a.kind === b.kind ? a.op - b.op : a.kind === 'call' ? -1 : 1));
  const head: Entry = { kind: 'call', op: -1, time: -1, prev: null, next: null, match: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  let pendingReturns = kept.filter((o) => o.type === 'ok').length;
  const lift = (call: Entry): void => {
    for (const e of [call, call.match as Entry]) {
      (e.prev as Entry).next = e.next;
      if (e.next !== null) e.next.prev = e.prev;
    }
  };
  const unlift = (call: Entry): void => {
    for (const e of [call.match as Entry, call]) {
      (e.prev as Entry).next = e;
      if (e.next !== null) e.next.prev = e;
    }
  };
  const cache = new Set<string>();
  const stack: { call: Entry; state: State }[] = [];
  let linearized = 0n;
  let state: State = initial;
  let entry = head.next;
  let steps = 0;
  let deepest = { depth: -1, blocked: -1 };
  while (pendingReturns > 0 && entry !== null) {
    if (++steps > maxSteps) return `gave up after ${maxSteps} search steps (${kept.length} operations)`;
    if (entry.kind === 'call') {
      const o = kept[entry.op] as Operation<RegisterOp>;
      const r = step(state, o.f, o.value);
      if (r.ok) {
        const lin = linearized | (1n << BigInt(entry.op));
        const key = `${lin.toString(36)}:${String(r.next)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          state = r.next;
          linearized = lin;
          if (o.type === 'ok') pendingReturns--;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is not linearized yet: undo the last choice.
    if (stack.length > deepest.depth) deepest = { depth: stack.length, blocked: entry.op };
    const top = stack.pop();
    if (top === undefined) break;
    const o = kept[top.call.op] as Operation<RegisterOp>;
    state = top.state;
    linearized &= ~(1n << BigInt(top.call.op));
    if (o.type === 'ok') pendingReturns++;
    unlift(top.call);
    entry = top.call.next;
  }
  if (pendingReturns === 0) return null;
  const blocked = kept[deepest.blocked];
  return blocked === undefined
    ? 'no linearization exists'
    : `no linearization: after ${deepest.depth} operations, ${blocked.f} ${JSON.stringify(blocked.value)} by process ${blocked.process} (events ${blocked.invoke.index}-${blocked.complete?.index ?? '?'}) cannot take effect`;
}

/** Checks every key's register; `initial` is each register's value before the history. */
export function checkRegisters(events: readonly HistoryEvent[], initial: State = null): CheckResult {
  const byKey = new Map<number, Operation<RegisterOp>[]>();
  for (const op of operations(events as readonly HistoryEvent<RegisterOp>[])) {
    const list = byKey.get(op.value.key) ?? [];
    list.push(op);
    byKey.set(op.value.key, list);
  }
  const anomalies = new Map<string, string[]>();
  let checked = 0;
  for (const [key, ops] of [...byKey].sort((a, b) => a[0] - b[0])) {
    checked += ops.filter((o) => o.type !== 'fail').length;
    const why = linearizeRegister(ops, initial);
    if (why === null) continue;
    addAnomaly(anomalies, why.startsWith('gave up') ? 'unknown' : 'nonlinearizable', `key ${key}: ${why}`);
  }
  return resultOf(checked, anomalies);
}
