/**
 * The Jepsen workloads in the in-process simulator. Several SQL gateways (each a node's
 * HLC, transaction coordinator and SQL service) share one kv store on memory-level; the
 * clients, the network between gateways and kv, the nemeses and every timer run in virtual
 * time under one seed (scheduler.ts), so a run is replayed exactly by its seed: the history
 * of a failing seed is the same history every time it is run.
 *
 * The workloads are the very ones `npm run jepsen` drives over pgwire (workloads.ts): the
 * same operation generators, the same SQL, the same checkers; their client is a Session
 * adapter instead of node-postgres. Outcomes follow the runner's rules (classifyFailure):
 * ok, fail (definitely did not happen) or info (unknown; the process is replaced).
 *
 * What it does not simulate: replication (one store, no Raft; test/raft/sim covers Raft
 * under seeds, the multi-process runs cover replicated ranges) and a disk that loses
 * unsynced writes.
 */
import { createHash } from 'node:crypto';
import { createLocalKv, openEngine } from '../../../src/kv/index.ts';
import type { Session } from '../../../src/sql/index.ts';
import { createParser } from '../../../src/sql/parser/parse.ts';
import type { TxnConfig } from '../../../src/txn/index.ts';
import { ManualClock, testEnv } from '../../../src/util/index.ts';
import { HistoryRecorder, type CheckResult, type HistoryEvent } from '../history.ts';
import { classifyFailure, seededRng } from '../runner.ts';
import type { Rng } from '../nemesis.ts';
import { bankWorkload, listAppendWorkload, registerWorkload, type Isolation, type Workload } from '../workloads.ts';
import { CALM_NETWORK, Gateway, SessionClient } from './gateway.ts';
import { SimScheduler } from './scheduler.ts';

export const SIM_WORKLOADS = ['bank', 'register', 'list-append'] as const;
export type SimWorkloadName = (typeof SIM_WORKLOADS)[number];

/** A fresh workload as the simulator runs it (registers: 600 keys, not 20,000, to set up fast). */
export function simWorkload(name: string): Workload {
  switch (name) {
    case 'bank':
      return bankWorkload();
    case 'register':
      return registerWorkload(3, 60, 600);
    case 'list-append':
      return listAppendWorkload();
    default:
      throw new Error(`unknown workload "${name}" (known: ${SIM_WORKLOADS.join(', ')})`);
  }
}

export type SimFault = 'net' | 'crash' | 'clock';
export const SIM_FAULTS: readonly SimFault[] = ['net', 'crash', 'clock'];

export interface SimOptions {
  readonly seed: number;
  /** A fresh workload (its generator keeps state). */
  readonly workload: Workload;
  readonly isolation?: Isolation;
  readonly gateways?: number;
  readonly clients?: number;
  /** Invocations to generate (the run ends when they have all completed). */
  readonly ops?: number;
  readonly faults?: readonly SimFault[];
  /** Largest clock offset the clock nemesis sets (each way). */
  readonly skewMs?: number;
  /** Overrides of the gateways' txn config (tests turn the uncertainty interval off). */
  readonly txnConfig?: Partial<TxnConfig>;
}

export interface SimNemesisEvent {
  readonly timeMs: number;
  readonly what: string;
}

export interface SimResult {
  readonly seed: number;
  readonly workload: string;
  readonly events: readonly HistoryEvent[];
  readonly nemesisLog: readonly SimNemesisEvent[];
  readonly check: CheckResult;
  readonly counts: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly errors: Readonly<Record<string, number>>;
  /** The first message seen for each error key. */
  readonly errorSamples: Readonly<Record<string, string>>;
  readonly virtualMs: number;
  /** sha256 of the history and the nemesis log: equal for equal runs. */
  readonly fingerprint: string;
}

/** Virtual milliseconds per scheduler step. */
const STEP_MS = 1;
/** An operation running longer (virtual) is abandoned: info. */
const OP_TIMEOUT_MS = 10_000;
/** Nemesis rhythm: quiet, then a fault, then healed. */
const QUIET_MS = 150;
const FAULT_MS = 250;
/** Safety bound on virtual time: a run that has not finished by then is a hang. */
const VIRTUAL_LIMIT_MS = 600_000;

export async function simulate(o: SimOptions): Promise<SimResult> {
  // The parser's WASM loads with real I/O: done before virtual time starts, the load's
  // duration cannot shift the run.
  await createParser();
  const clock = new ManualClock();
  const sched = new SimScheduler(clock);
  const env = testEnv(o.seed, clock);
  const rngs = { ops: seededRng(o.seed), nemesis: seededRng(o.seed ^ 0x5eed), net: (g: number) => seededRng(o.seed * 31 + g + 1) };
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine, {}, { timers: sched, sleep: sched.sleep });
  const maxOffset = 500;
  const txnConfig: Partial<TxnConfig> = { maxClockOffsetMs: maxOffset, readUncertaintyMs: maxOffset, ...o.txnConfig };
  const gateways = Array.from({ length: o.gateways ?? 3 }, (_, g) => new Gateway(g, env, sched, kv.sender, rngs.net(g), txnConfig));
  const recorder = new HistoryRecorder(() => sched.now());
  const errors: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const nemesisLog: SimNemesisEvent[] = [];
  const opsMax = o.ops ?? 300;
  const clients = o.clients ?? 6;
  const isolation = o.isolation ?? 'serializable';
  let running = true;
  const start = sched.now();

  // The loop that moves time; everything else runs between its steps. It fails the run
  // (rather than spin) when virtual time passes the limit: something hangs.
  const driving = (async (): Promise<void> => {
    while (running) {
      await sched.step(STEP_MS);
      if (sched.now() - start > VIRTUAL_LIMIT_MS) throw new Error(`seed ${o.seed}: no end after ${VIRTUAL_LIMIT_MS} virtual ms (a hang)`);
    }
  })();
  const hang = driving.then(() => new Promise<never>(() => undefined));
  const untilHang = <T>(p: Promise<T>): Promise<T> => Promise.race([p, hang]);

  try {
    const first = gateways[0] as Gateway;
    await untilHang(first.start());
    const setup = await untilHang(first.service.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 'sim' }));
    await untilHang(o.workload.setup(new SessionClient(setup)));
    await untilHang(setup.close());
    for (const g of gateways.slice(1)) await untilHang(g.start());

    const run: ClientRun = { o, gateways, sched, recorder, rng: rngs.ops, opsMax, clients, isolation, invoked: 0, errors, errorSamples };
    await untilHang(Promise.all([...Array.from({ length: clients }, (_, w) => runClient(run, w)), nemeses(o, gateways, sched, rngs.nemesis, nemesisLog, () => run.invoked >= opsMax)]));
  } finally {
    // Time keeps moving while kv drains what abandoned operations left in flight.
    for (const g of gateways) g.crash();
    await untilHang(kv.close()).finally(() => (running = false));
    await driving.catch(() => undefined);
    await engine.close();
  }
  const events = recorder.events;
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const e of events) if (e.type !== 'invoke') counts[e.type]++;
  const fingerprint = createHash('sha256').update(JSON.stringify([events, nemesisLog])).digest('hex');
  return { seed: o.seed, workload: o.workload.name, events, nemesisLog, check: o.workload.check(events), counts, errors, errorSamples, virtualMs: Math.round(sched.now() - start), fingerprint };
}

/** What the clients of one run share. */
interface ClientRun {
  readonly o: SimOptions;
  readonly gateways: readonly Gateway[];
  readonly sched: SimScheduler;
  readonly recorder: HistoryRecorder;
  readonly rng: Rng;
  readonly opsMax: number;
  readonly clients: number;
  readonly isolation: Isolation;
  invoked: number;
  readonly errors: Record<string, number>;
  readonly errorSamples: Record<string, string>;
}

/**
 * Client `w`: operations through its gateway until the run has invoked `opsMax`. Outcomes
 * follow the runner's rules; after an unknown one (or a crash or timeout) the session is
 * abandoned like a dropped connection, and after an unknown one a fresh process id takes
 * over (the old operation may still take effect).
 */
async function runClient(run: ClientRun, w: number): Promise<void> {
  const { o, sched, recorder } = run;
  let process = w;
  const gw = run.gateways[w % run.gateways.length] as Gateway;
  let session: { s: Session; incarnation: number } | null = null;
  while (run.invoked < run.opsMax) {
    if (!gw.alive) {
      await sched.sleep(20);
      continue;
    }
    if (session === null || session.incarnation !== gw.incarnation) {
      session = { s: await gw.service.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: `sim-${w}` }), incarnation: gw.incarnation };
    }
    const op = o.workload.generate(run.rng);
    run.invoked++;
    recorder.record(process, 'invoke', op.f, op.value);
    const outcome = await race(o.workload.invoke(new SessionClient(session.s), op, run.isolation), gw.crash$, sched, OP_TIMEOUT_MS);
    if (outcome.kind === 'ok') {
      recorder.record(process, 'ok', op.f, outcome.value);
      continue;
    }
    const { key, definite } = outcome.kind === 'error' ? classifyFailure(outcome.error, op.f) : { key: outcome.kind, definite: op.f === 'read' };
    run.errors[key] = (run.errors[key] ?? 0) + 1;
    run.errorSamples[key] ??= outcome.kind === 'error' && outcome.error instanceof Error ? outcome.error.message.slice(0, 200) : key;
    recorder.record(process, definite ? 'fail' : 'info', op.f, op.value, key);
    if (!definite || outcome.kind !== 'error') {
      session.s.cancel();
      session = null;
      if (!definite) process += run.clients;
    }
  }
}

type Outcome = { kind: 'ok'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'crash' } | { kind: 'timeout' };

/** The operation's outcome, or its gateway's crash, or a timeout: whichever comes first. */
function race(op: Promise<unknown>, crash: Promise<void>, sched: SimScheduler, timeoutMs: number): Promise<Outcome> {
  return Promise.race<Outcome>([
    op.then(
      (value) => ({ kind: 'ok', value }),
      (error: unknown) => ({ kind: 'error', error }),
    ),
    crash.then(() => ({ kind: 'crash' })),
    sched.sleep(timeoutMs).then(() => ({ kind: 'timeout' })),
  ]);
}

/** One fault at a time, each kind in turn from one the seed picks, on a gateway the seed picks, until `done`; every run ends healed. */
async function nemeses(o: SimOptions, gateways: readonly Gateway[], sched: SimScheduler, rng: Rng, log: SimNemesisEvent[], done: () => boolean): Promise<void> {
  const faults = o.faults ?? SIM_FAULTS;
  const note = (what: string): void => void log.push({ timeMs: Math.round(sched.now()), what });
  const skew = o.skewMs ?? 200;
  let turn = rng.int(Math.max(1, faults.length));
  while (!done() && faults.length > 0) {
    await sched.sleep(QUIET_MS);
    if (done()) break;
    const fault = faults[turn++ % faults.length] as SimFault;
    const g = gateways[rng.int(gateways.length)] as Gateway;
    switch (fault) {
      case 'net':
        g.net = { delayMaxMs: 40, unsentP: 0.15, lostP: 0.15 };
        note(`net: gateway ${g.id} drops and loses batches`);
        await sched.sleep(FAULT_MS);
        g.net = CALM_NETWORK;
        note(`net: gateway ${g.id} healed`);
        break;
      case 'crash':
        g.crash();
        note(`crash: gateway ${g.id}`);
        await sched.sleep(FAULT_MS);
        await g.start();
        note(`crash: gateway ${g.id} restarted (incarnation ${g.incarnation})`);
        break;
      case 'clock':
        for (const x of gateways) x.offsetMs = rng.int(2 * skew + 1) - skew;
        note(`clock: offsets ${gateways.map((x) => x.offsetMs).join(', ')} ms`);
        await sched.sleep(FAULT_MS);
        for (const x of gateways) x.offsetMs = 0;
        note('clock: offsets 0');
        break;
    }
  }
}
