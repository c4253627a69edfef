/**
 * util: what every layer may use. Assertions, errors with stable codes, the Env (clock,
 * randomness, logger) that components receive instead of reaching for globals, and the
 * order-preserving key encoding.
 */
export { assert, assertNever, AssertionError } from './assert.ts';
export { TesseraError } from './errors.ts';
export {
  type Env,
  type Clock,
  type Random,
  type Logger,
  systemClock,
  systemRandom,
  seededRandom,
  silentLogger,
  systemEnv,
  ManualClock,
  testEnv,
} from './env.ts';
