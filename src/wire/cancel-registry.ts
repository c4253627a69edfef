import { randomInt, timingSafeEqual } from 'node:crypto';

/** What a CancelRequest reaches: the session of another connection. */
export interface Cancellable {
  cancel(): void;
}

export interface CancelKey {
  readonly processId: number;
  readonly secretKey: number;
}

/** A positive int32 from a cryptographic source: cancel secrets must not be guessable. */
export function cryptoInt32(): number {
  return randomInt(1, 0x7fff_ffff);
}

/**
 * Maps the BackendKeyData handed to each connection to its session, so that a CancelRequest
 * arriving on a fresh connection can reach it. One registry per WireServer.
 */
export class CancelRegistry {
  private readonly byProcessId = new Map<number, { readonly secretKey: number; readonly target: Cancellable }>();

  constructor(private readonly nextInt32: () => number = cryptoInt32) {}

  get size(): number {
    return this.byProcessId.size;
  }

  register(target: Cancellable): CancelKey {
    let processId = this.nextInt32();
    // Process ids are unique among live connections; collisions are rare, so retrying is cheap.
    while (this.byProcessId.has(processId)) processId = this.nextInt32();
    const secretKey = this.nextInt32();
    this.byProcessId.set(processId, { secretKey, target });
    return { processId, secretKey };
  }

  unregister(processId: number): void {
    this.byProcessId.delete(processId);
  }

  /** Cancels the session behind `key` if the secret matches; false (and nothing happens) otherwise. */
  cancel(key: CancelKey): boolean {
    const entry = this.byProcessId.get(key.processId);
    if (entry === undefined) return false;
    const expected = Buffer.alloc(4);
    expected.writeInt32BE(entry.secretKey);
    const given = Buffer.alloc(4);
    given.writeInt32BE(key.secretKey);
    // Constant time, so the secret cannot be found byte by byte from response timing.
    if (!timingSafeEqual(expected, given)) return false;
    entry.target.cancel();
    return true;
  }
}
