/**
 * Jepsen-style histories: every operation is an `invoke` event followed by exactly one
 * completion by the same process: `ok` (it happened, with its result), `fail` (it
 * definitely did not happen) or `info` (unknown: the connection broke, the node died). A
 * process whose operation ended `info` never invokes again (a fresh process id takes its
 * place), so its operation stays concurrent with everything after it, as in Jepsen.
 */

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent<V = unknown> {
  /** Position in the history (0, 1, 2, ...). */
  readonly index: number;
  /** Milliseconds since the history began (monotonic). */
  readonly timeMs: number;
  readonly process: number;
  readonly type: EventType;
  /** The operation's function: 'read', 'transfer', 'write', 'cas', 'txn'... */
  readonly f: string;
  readonly value: V;
  /** For fail/info: why (an SQLSTATE or error message). */
  readonly error?: string;
}

/** An invocation paired with its completion (null: none recorded, same as info). */
export interface Operation<V = unknown> {
  readonly process: number;
  readonly f: string;
  readonly invoke: HistoryEvent<V>;
  readonly complete: HistoryEvent<V> | null;
  /** The completion's type, 'info' when there is none. */
  readonly type: 'ok' | 'fail' | 'info';
  /** The completion's value for ok, else the invocation's. */
  readonly value: V;
}

/** Records events in order; safe for many concurrent async clients (one thread). */
export class HistoryRecorder<V = unknown> {
  readonly events: HistoryEvent<V>[] = [];
  private readonly startMs: number;

  /** `now`: milliseconds on a monotonic clock (a simulator passes its virtual one). */
  constructor(private readonly now: () => number = () => performance.now()) {
    this.startMs = now();
  }

  record(process: number, type: EventType, f: string, value: V, error?: string): HistoryEvent<V> {
    const e: HistoryEvent<V> = {
      index: this.events.length,
      timeMs: Math.round((this.now() - this.startMs) * 1000) / 1000,
      process,
      type,
      f,
      value,
      ...(error === undefined ? {} : { error }),
    };
    this.events.push(e);
    return e;
  }
}

/** Pairs invocations with completions; throws on a malformed history. */
export function operations<V>(events: readonly HistoryEvent<V>[]): Operation<V>[] {
  const open = new Map<number, HistoryEvent<V>>();
  const ops: Operation<V>[] = [];
  const byInvoke = new Map<HistoryEvent<V>, number>();
  for (const e of events) {
    if (e.type === 'invoke') {
      if (open.has(e.process)) throw new Error(`process ${e.process} invoked twice without completing (event ${e.index})`);
      open.set(e.process, e);
      byInvoke.set(e, ops.length);
      ops.push({ process: e.process, f: e.f, invoke: e, complete: null, type: 'info', value: e.value });
      continue;
    }
    const inv = open.get(e.process);
    if (inv === undefined) throw new Error(`completion without invocation at event ${e.index}`);
    open.delete(e.process);
    const i = byInvoke.get(inv) as number;
    ops[i] = { process: e.process, f: inv.f, invoke: inv, complete: e, type: e.type, value: e.type === 'ok' ? e.value : inv.value };
  }
  return ops;
}

/** A history as JSON lines (one event per line). */
export function historyToJsonl(events: readonly HistoryEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** The anomalies a checker found; `valid` is true when there are none. */
export interface CheckResult {
  readonly valid: boolean;
  /** Operations (or transactions) the checker looked at. */
  readonly checked: number;
  /** Anomaly kind -> a few examples, each a human-readable explanation. */
  readonly anomalies: Readonly<Record<string, readonly string[]>>;
}

export function resultOf(checked: number, anomalies: Map<string, string[]>): CheckResult {
  const out: Record<string, string[]> = {};
  for (const [k, v] of anomalies) out[k] = v.slice(0, 5);
  return { valid: anomalies.size === 0, checked, anomalies: out };
}

export function addAnomaly(anomalies: Map<string, string[]>, kind: string, explanation: string): void {
  const list = anomalies.get(kind) ?? [];
  list.push(explanation);
  anomalies.set(kind, list);
}
