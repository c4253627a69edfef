import type { Env } from '../util/index.ts';
import type { Sender } from './api.ts';
import { kvConfig, type KvConfig } from './config.ts';
import { DistSender } from './dist-sender.ts';
import type { Engine } from './engine.ts';
import { LockWaitSender } from './lock-wait-sender.ts';
import { systemTimers, type Timers } from './rpc/timers.ts';
import { Store } from './store.ts';

/** kv on one node: the store, and the DistSender that routes to it. */
export interface LocalKv {
  /** Routes batches by range (the Sender the txn layer uses). */
  readonly sender: DistSender;
  readonly store: Store;
  /** The store's lock wait-queue driver: every batch for the store goes through it. */
  readonly locks: LockWaitSender;
  /** Waits for writes in flight; does not close the engine (its opener does). */
  close(): Promise<void>;
}

/** How a LocalKv waits: real timers by default; a simulator passes its own. */
export interface LocalKvTiming {
  readonly timers?: Timers;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Opens the store over `engine` (bootstrapping the first range on a fresh engine) and
 * builds the routing path to it. `config` overrides the defaults of `KvConfig`.
 */
export async function createLocalKv(env: Env, engine: Engine, config: Partial<KvConfig> = {}, timing: LocalKvTiming = {}): Promise<LocalKv> {
  const c = kvConfig(config);
  const store = await Store.open(env, engine, c);
  const locks = new LockWaitSender(store, env.clock, timing.timers ?? systemTimers, c);
  const sender = new DistSender(
    {
      transportFor: (): Sender => locks,
      firstRange: () => store.firstRangeDescriptor(),
      ...(timing.sleep === undefined ? {} : { sleep: timing.sleep }),
    },
    c,
  );
  return {
    sender,
    store,
    locks,
    close: () => store.close(),
  };
}
