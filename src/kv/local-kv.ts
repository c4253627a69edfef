import type { Env } from '../util/index.ts';
import type { Sender } from './api.ts';
import { kvConfig, type KvConfig } from './config.ts';
import { DistSender } from './dist-sender.ts';
import type { Engine } from './engine.ts';
import { Store } from './store.ts';

/** kv on one node: the store, and the DistSender that routes to it. */
export interface LocalKv {
  /** Routes batches by range (the Sender the txn layer uses). */
  readonly sender: DistSender;
  readonly store: Store;
  /** Waits for writes in flight; does not close the engine (its opener does). */
  close(): Promise<void>;
}

/**
 * Opens the store over `engine` (bootstrapping the first range on a fresh engine) and
 * builds the routing path to it. `config` overrides the defaults of `KvConfig`.
 */
export async function createLocalKv(env: Env, engine: Engine, config: Partial<KvConfig> = {}): Promise<LocalKv> {
  const c = kvConfig(config);
  const store = await Store.open(env, engine, c);
  const sender = new DistSender(
    {
      transportFor: (): Sender => store,
      firstRange: () => store.firstRangeDescriptor(),
    },
    c,
  );
  return {
    sender,
    store,
    close: () => store.close(),
  };
}
