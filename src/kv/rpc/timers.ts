/**
 * Timers as an interface: the Env carries clock, randomness and logger but no timers, and
 * the RPC layer's deadlines and reconnect delays must be controllable by a simulator. The
 * real implementation is Node's; a simulated one fires when its scheduler says so.
 */
export interface Timers {
  /** Calls `fn` once after `ms` milliseconds; the handle cancels it. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __brand: 'TimerHandle' };

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (h) => clearTimeout(h as unknown as ReturnType<typeof setTimeout>),
};
