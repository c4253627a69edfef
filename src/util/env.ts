import { pino, type Logger } from 'pino';

/**
 * The world a component sees: time, randomness and a logger. Only src/server builds the
 * real one; tests and the simulator build deterministic ones (see `simulatedEnv`).
 */
export interface Env {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /**
   * Fault-injection site: true only under simulation, for seeds that switch `site` on.
   * Real environments always answer false.
   */
  buggify(site: string): boolean;
}

export interface Clock {
  /** Wall-clock time in nanoseconds since the Unix epoch. */
  nowNanos(): bigint;
  /** Milliseconds on a monotonic clock, for timeouts and durations only. */
  monotonicMs(): number;
}

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

export type { Logger };

export const systemClock: Clock = {
  nowNanos: () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n),
  monotonicMs: () => performance.now(),
};

export const systemRandom: Random = {
  next: () => Math.random(),
  int: (n) => Math.floor(Math.random() * n),
};

/** A deterministic generator (mulberry32) for simulations and property tests. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/** A logger that writes nothing: the default for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function systemEnv(logger: Logger): Env {
  return { clock: systemClock, random: systemRandom, logger, buggify: () => false };
}

/** A manual clock for deterministic tests: time moves only when `advance` is called. */
export class ManualClock implements Clock {
  constructor(private nanos: bigint = 1_700_000_000_000_000_000n) {}
  nowNanos(): bigint {
    return this.nanos;
  }
  monotonicMs(): number {
    return Number(this.nanos / 1_000_000n);
  }
  advance(ms: number): void {
    this.nanos += BigInt(Math.round(ms * 1_000_000));
  }
}

export function testEnv(seed = 1, clock: Clock = new ManualClock()): Env {
  return { clock, random: seededRandom(seed), logger: silentLogger(), buggify: () => false };
}
