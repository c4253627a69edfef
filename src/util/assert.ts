/**
 * Invariant checks. A failed assertion is a bug in Tessera, never an expected outcome:
 * it throws an `AssertionError` that no code catches, so the process stops loudly with
 * what was expected. Assertions are always on.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Throws an AssertionError with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === 'string' ? message : message());
  }
}

/** Marks the end of an exhaustive switch over a discriminated union. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
