/**
 * Runs one workload against a cluster: `clients` concurrent pgwire clients, each a
 * process in the history, issue operations until the time is up while the nemeses inject
 * faults; then the history is checked. Outcomes: `ok`; `fail` when the operation
 * definitely did not happen (the server refused or aborted it, see `definiteClasses`, or the
 * workload's own DefiniteFailure; failed reads change nothing); `info` otherwise (a broken
 * connection, a timeout, an internal error): the client is dropped and a fresh process
 * takes its place, as in Jepsen.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { JepsenCluster } from './cluster.ts';
import { HistoryRecorder, historyToJsonl, type CheckResult, type HistoryEvent } from './history.ts';
import { runNemeses, type Nemesis, type NemesisEvent, type Rng } from './nemesis.ts';
import { DefiniteFailure, type Isolation, type Workload } from './workloads.ts';

export interface RunOptions {
  readonly cluster: JepsenCluster;
  readonly workload: Workload;
  readonly clients: number;
  readonly timeMs: number;
  readonly nemeses: readonly Nemesis[];
  readonly nemesisTiming?: { readonly quietMs: number; readonly faultMs: number };
  readonly isolation: Isolation;
  readonly seed: number;
  /** An operation taking longer is abandoned (info) and its connection dropped. */
  readonly opTimeoutMs?: number;
}

export interface RunResult {
  readonly workload: string;
  readonly isolation: Isolation;
  readonly events: readonly HistoryEvent[];
  readonly nemesisLog: readonly NemesisEvent[];
  readonly check: CheckResult;
  readonly counts: { readonly ok: number; readonly fail: number; readonly info: number };
  /** Why operations failed or ended unknown: SQLSTATE or error kind -> count. */
  readonly errors: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/** A small seeded generator (mulberry32): runs replay their operation choices. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/**
 * SQLSTATE classes after which the operation definitely did not happen: the server refused
 * or aborted it (serialization failure, deadlock, constraint, lock not available, a table
 * not yet known to this node's catalog, bad data, failed block). Others (XX000, 08, 57...,
 * and 40003: the commit's result is ambiguous) leave it unknown.
 */
const definiteClasses = /^(?!40003)(40|23|55|42|22|25)/;

/** Why an operation failed (an SQLSTATE, 'definite' or a message) and whether it definitely did not happen. */
export function classifyFailure(err: unknown, f: string): { readonly key: string; readonly definite: boolean } {
  const key = errorKey(err);
  return { key, definite: key === 'definite' || (/^[0-9A-Z]{5}$/.test(key) && definiteClasses.test(key)) || f === 'read' };
}

function errorKey(err: unknown): string {
  if (err instanceof DefiniteFailure) return 'definite';
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.message.slice(0, 60) : String(err);
}

function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`operation timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function connect(url: string, timeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined); // a dying server must not crash the harness
  try {
    await withTimeout(client.connect(), timeoutMs);
  } catch (err) {
    destroy(client);
    throw err;
  }
  return client;
}

export async function runWorkload(o: RunOptions): Promise<RunResult> {
  const recorder = new HistoryRecorder();
  const rng = seededRng(o.seed);
  const started = performance.now();
  const deadline = started + o.timeMs;
  const opTimeoutMs = o.opTimeoutMs ?? 5_000;
  const errors: Record<string, number> = {};
  const nemesisLog: NemesisEvent[] = [];
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const worker = async (w: number): Promise<void> => {
    let process = w;
    let client: pg.Client | null = null;
    const node = o.cluster.nodes[w % o.cluster.nodes.length]!;
    while (performance.now() < deadline) {
      if (client === null) {
        try {
          client = await connect(node.connectionString(), Math.min(opTimeoutMs, 3_000));
        } catch {
          await sleep(100);
          continue;
        }
      }
      const op = o.workload.generate(rng);
      recorder.record(process, 'invoke', op.f, op.value);
      try {
        const value = await withTimeout(o.workload.invoke(client, op, o.isolation), opTimeoutMs);
        recorder.record(process, 'ok', op.f, value);
      } catch (err) {
        const { key, definite } = classifyFailure(err, op.f);
        errors[key] = (errors[key] ?? 0) + 1;
        recorder.record(process, definite ? 'fail' : 'info', op.f, op.value, key);
        const connectionAlive = key === 'definite' || /^[0-9A-Z]{5}$/.test(key);
        if (!connectionAlive || !definite) {
          destroy(client);
          client = null;
          if (!definite) process += o.clients; // the old process may still be "running"
        }
      }
    }
    if (client !== null) await withTimeout(client.end(), 2_000).catch(() => destroy(client));
  };

  const timing = o.nemesisTiming ?? { quietMs: 2_000, faultMs: 2_000 };
  await Promise.all([
    ...Array.from({ length: o.clients }, (_, w) => worker(w)),
    runNemeses(o.cluster, o.nemeses, rng, { ...timing, deadline }, (e) => nemesisLog.push({ timeMs: Math.round(performance.now() - started), ...e })),
  ]);
  const events = recorder.events;
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const e of events) if (e.type !== 'invoke') counts[e.type]++;
  // Operations still open (none normally) count as info by construction of `operations`.
  return { workload: o.workload.name, isolation: o.isolation, events, nemesisLog, check: o.workload.check(events), counts, errors, durationMs: Math.round(performance.now() - started) };
}

/** Writes history.jsonl, nemesis.jsonl and result.json for one run under `dir`. */
export function writeRunResults(dir: string, r: RunResult): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'history.jsonl'), historyToJsonl(r.events));
  writeFileSync(join(dir, 'nemesis.jsonl'), r.nemesisLog.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const { events: _events, nemesisLog: _log, ...summary } = r;
  writeFileSync(join(dir, 'result.json'), JSON.stringify(summary, null, 2) + '\n');
}
