import { createLocalKv, openEngine, type Engine, type LocalKv } from '../../src/kv/index.ts';
import { createTxnCoordinator, type KvTxnCoordinator, type TxnConfig } from '../../src/txn/index.ts';
import { ManualClock, testEnv, type Env } from '../../src/util/index.ts';

export interface TestDb {
  readonly env: Env;
  readonly clock: ManualClock;
  readonly engine: Engine;
  readonly kv: LocalKv;
  readonly coord: KvTxnCoordinator;
  close(): Promise<void>;
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));
/** A /table key for tests: 0x04 followed by the text. */
export const tk = (s: string): Uint8Array => Uint8Array.from([0x04, ...enc(s)]);

export async function memoryDb(config: Partial<TxnConfig> = {}): Promise<TestDb> {
  const clock = new ManualClock();
  const env = testEnv(1, clock);
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  // Each call to the clock is a distinct instant: a ManualClock stands still otherwise.
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 20, ...config }, sleep: () => new Promise((r) => setImmediate(r)) });
  return {
    env,
    clock,
    engine,
    kv,
    coord,
    async close() {
      coord.close();
      await kv.close();
      await engine.close();
    },
  };
}
