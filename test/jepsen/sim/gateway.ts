/**
 * A simulated SQL gateway: what a node contributes above kv (its HLC, its transaction
 * coordinator and its SQL service) over a shared kv store, behind a simulated network.
 * Faults it can suffer, all decided by seeded generators:
 * - network: each batch is delayed both ways (so batches reorder), refused before delivery
 *   (unsent: a clean failure) or delivered and its answer lost (a write's outcome is then
 *   ambiguous, as the replica router reports it);
 * - crash: the gateway stops at once; what it already delivered stays (intents, maybe a
 *   committed record), what it would send next never arrives, its heartbeats stop; a
 *   restart brings up a fresh coordinator and SQL service (a new incarnation);
 * - clock: its wall clock runs ahead or behind by a few hundred milliseconds.
 */
import { isWriteRequest, type BatchRequest, type BatchResponse, type Sender } from '../../../src/kv/api.ts';
import { createTxnCoordinator, type KvTxnCoordinator, type TxnConfig } from '../../../src/txn/index.ts';
import { createSqlService, type QueryEvent, type Session, type TesseraSqlService } from '../../../src/sql/index.ts';
import type { Clock, Env } from '../../../src/util/index.ts';
import type { Rng } from '../nemesis.ts';
import type { WorkloadClient } from '../workloads.ts';
import type { SimScheduler } from './scheduler.ts';

export interface NetFaults {
  /** Each way, a batch waits a uniform 0..delayMaxMs virtual ms. */
  readonly delayMaxMs: number;
  /** Refused before delivery. */
  readonly unsentP: number;
  /** Delivered, answer lost. */
  readonly lostP: number;
}

export const CALM_NETWORK: NetFaults = { delayMaxMs: 2, unsentP: 0, lostP: 0 };

export class Gateway {
  offsetMs = 0;
  net: NetFaults = CALM_NETWORK;
  /** Bumped by every crash: requests of an older incarnation are never delivered. */
  incarnation = 0;
  alive = false;
  private coord: KvTxnCoordinator | null = null;
  private sql: TesseraSqlService | null = null;
  private crashed: () => void = () => undefined;
  /** Settles when the current incarnation crashes. */
  crash$: Promise<void> = new Promise(() => undefined);

  constructor(
    readonly id: number,
    private readonly env: Env,
    private readonly sched: SimScheduler,
    private readonly kv: Sender,
    private readonly rng: Rng,
    private readonly txnConfig: Partial<TxnConfig>,
  ) {}

  get service(): TesseraSqlService {
    if (this.sql === null) throw new Error(`gateway ${this.id} is down`);
    return this.sql;
  }

  async start(): Promise<void> {
    const incarnation = ++this.incarnation;
    const base = this.env.clock;
    const clock: Clock = { nowNanos: () => base.nowNanos() + BigInt(Math.round(this.offsetMs * 1_000_000)), monotonicMs: () => base.monotonicMs() };
    const env: Env = { ...this.env, clock };
    const sender: Sender = { send: (ba) => this.deliver(incarnation, ba) };
    this.coord = createTxnCoordinator(env, sender, { config: this.txnConfig, sleep: this.sched.sleep, timers: this.sched });
    this.sql = await createSqlService({ env, txns: this.coord, autoAnalyze: { intervalMs: 0 }, sleep: this.sched.sleep, sharedCatalog: true });
    await this.sql.bootstrap();
    this.crash$ = new Promise((resolve) => (this.crashed = resolve));
    this.alive = true;
  }

  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.incarnation++;
    this.coord?.close();
    this.sql?.close();
    this.coord = null;
    this.sql = null;
    this.crashed();
  }

  private async deliver(incarnation: number, ba: BatchRequest): Promise<BatchResponse> {
    const down: BatchResponse = { ok: false, error: { kind: 'range-unavailable', rangeId: 0n as never, message: `gateway ${this.id} is down` } };
    if (incarnation !== this.incarnation) return down;
    await this.sched.sleep(this.rng.int(this.net.delayMaxMs + 1));
    if (incarnation !== this.incarnation) return down;
    if (this.rng.next() < this.net.unsentP) {
      return { ok: false, error: { kind: 'range-unavailable', rangeId: 0n as never, message: 'simulated network: refused before delivery' } };
    }
    const res = await this.kv.send(ba);
    await this.sched.sleep(this.rng.int(this.net.delayMaxMs + 1));
    const lost = incarnation !== this.incarnation || this.rng.next() < this.net.lostP;
    if (!lost) return res;
    // A read lost on the way back changed nothing; a write may have been applied.
    return ba.requests.some(isWriteRequest)
      ? { ok: false, error: { kind: 'ambiguous-result', message: 'simulated network: the answer was lost' } }
      : { ok: false, error: { kind: 'range-unavailable', rangeId: 0n as never, message: 'simulated network: the answer was lost' } };
  }
}

/** node-postgres's `query` over a Session: the simple protocol, or the extended one with parameters. */
export class SessionClient implements WorkloadClient {
  constructor(readonly session: Session) {}

  async query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    const events: QueryEvent[] = [];
    if (values === undefined) {
      for await (const e of this.session.query(text)) events.push(e);
    } else {
      const s = this.session;
      try {
        await s.prepare('', text, []);
        await s.bind('', '', values.map((v) => (v === null || v === undefined ? null : new TextEncoder().encode(String(v)))), [], []);
        // The extended protocol describes a portal's columns apart from running it.
        const columns = s.describePortal('');
        if (columns !== null) events.push({ kind: 'row-description', columns });
        for await (const e of s.execute('', 0, { lastBeforeSync: true })) events.push(e);
      } finally {
        await s.sync();
      }
    }
    return toResult<R>(events);
  }
}

function toResult<R>(events: readonly QueryEvent[]): { rows: R[]; rowCount: number | null } {
  let names: string[] = [];
  const rows: R[] = [];
  let rowCount: number | null = null;
  for (const e of events) {
    if (e.kind === 'row-description') names = e.columns.map((c) => c.name);
    else if (e.kind === 'rows') {
      for (const r of e.rows) rows.push(Object.fromEntries(r.map((v, i) => [names[i], v === null || typeof v === 'string' ? v : new TextDecoder().decode(v)])) as R);
    } else if (e.kind === 'command-complete') {
      const n = /(\d+)$/.exec(e.tag);
      rowCount = n === null ? null : Number(n[1]);
    }
  }
  return { rows, rowCount };
}
