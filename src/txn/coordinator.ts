import type { Env } from '../util/index.ts';
import { txnIdFromBytes, type Sender, type Timers } from '../kv/index.ts';
import { txnConfig, type TxnConfig } from './config.ts';
import { HybridClock } from './hlc.ts';
import { KvClient, realSleep, type Sleep } from './kv-client.ts';
import { TxnHandle } from './txn-handle.ts';
import type { BeginOptions, Txn, TxnCoordinator } from './txn.ts';

export interface TxnCoordinatorOptions {
  /** The node's HLC; one is made from env.clock when absent. */
  readonly clock?: HybridClock;
  readonly config?: Partial<TxnConfig>;
  /** How waiting on intents sleeps (tests may make it instant). */
  readonly sleep?: Sleep;
  /** Heartbeat timers (a simulator's virtual ones); Node's unref'd intervals when absent. */
  readonly timers?: Timers;
}

/** The node's coordinator: begins transactions over the kv Sender. */
export interface KvTxnCoordinator extends TxnCoordinator {
  readonly clock: HybridClock;
  readonly kv: KvClient;
  /** Stops heartbeats. Pending transactions are left to expire. */
  close(): void;
}

export function createTxnCoordinator(env: Env, sender: Sender, options: TxnCoordinatorOptions = {}): KvTxnCoordinator {
  const config = txnConfig(options.config);
  const clock = options.clock ?? new HybridClock(env.clock, config.maxClockOffsetMs, env.logger);
  const kv = new KvClient(sender, clock, config, options.sleep ?? realSleep, env.logger);
  const stops = new Set<() => void>();
  const heartbeatEvery = options.timers === undefined ? realInterval : virtualInterval(options.timers);
  const startHeartbeat = (beat: () => Promise<void>): (() => void) => {
    const clear = heartbeatEvery(() => {
      beat().catch((err: unknown) => env.logger.warn({ err }, 'txn heartbeat failed'));
    }, config.txnHeartbeatIntervalMs);
    const stop = (): void => {
      clear();
      stops.delete(stop);
    };
    stops.add(stop);
    return stop;
  };
  const newId = (): ReturnType<typeof txnIdFromBytes> => {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = env.random.int(256);
    return txnIdFromBytes(bytes);
  };
  return {
    clock,
    kv,
    begin(beginOptions: BeginOptions = {}): Txn {
      return new TxnHandle(newId(), beginOptions.isolation ?? 'serializable', beginOptions.implicit === true, {
        kv,
        clock,
        config,
        logger: env.logger,
        startHeartbeat,
      });
    },
    close(): void {
      for (const stop of [...stops]) stop();
    },
  };
}

/** Calls `fn` every `ms`; returns what cancels it. */
type Every = (fn: () => void, ms: number) => () => void;

/** Node's interval, unref'd: a forgotten transaction never keeps the process alive. */
const realInterval: Every = (fn, ms) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

function virtualInterval(timers: Timers): Every {
  return (fn, ms) => {
    let handle = timers.setTimeout(function again() {
      handle = timers.setTimeout(again, ms);
      fn();
    }, ms);
    return () => timers.clearTimeout(handle);
  };
}
