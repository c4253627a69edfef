import { TesseraError, type Logger } from '../util/index.ts';
import {
  pointSpan,
  prettyKey,
  type BatchRequest,
  type Intent,
  type KvError,
  type KvResponse,
  type Sender,
  type TxnId,
} from '../kv/index.ts';
import type { TxnConfig } from './config.ts';
import type { HybridClock } from './hlc.ts';
import { TxnError } from './txn-error.ts';

/** Sleeps `ms` milliseconds (injected so tests and the simulator control waiting). */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a transaction's batches and turns kv's expected failures into the Txn contract's
 * errors. When another transaction's intent blocks the batch, it pushes that transaction
 * (an expired or finished one is aborted/resolved and its intents cleaned up at once) and
 * otherwise waits in the store's lock wait-queue (`lockWaitMs`) in slices of
 * `lockWaitSliceMs`, pushing again between slices (a holder may have died), up to
 * `intentWaitMs` in total before giving up with 'txn-retry'. A wait that would close a
 * waits-for cycle fails at once with 'deadlock'.
 */
export class KvClient {
  /** Pushes sent, intents resolved and waits in the lock wait-queue by this client (for tests and metrics). */
  readonly stats = { pushes: 0, resolvedIntents: 0, intentWaits: 0, deadlocks: 0 };

  constructor(
    private readonly sender: Sender,
    private readonly clock: HybridClock,
    private readonly config: TxnConfig,
    private readonly sleep: Sleep,
    private readonly logger: Logger,
  ) {}

  /**
   * `waitMs` overrides `intentWaitMs` for this batch (lock_timeout; 0 with `noWait`
   * fails at the first conflict with 'lock-not-available').
   */
  async send(ba: BatchRequest, options: { readonly waitMs?: number; readonly noWait?: boolean } = {}): Promise<readonly KvResponse[]> {
    const waitBudgetMs = options.waitMs ?? this.config.intentWaitMs;
    let waitedMs = 0;
    let lockWaitMs = 0; // the first attempt does not wait: pushing may clear the way at once
    for (;;) {
      const res = await this.sender.send(lockWaitMs === 0 ? ba : { header: { ...ba.header, lockWaitMs }, requests: ba.requests });
      if (res.ok) return res.responses;
      const error = res.error;
      // A retry must land above what was seen: fold the conflicting timestamp into the HLC.
      if (error.kind === 'read-conflict') this.clock.update(error.readTimestamp);
      if (error.kind === 'write-too-old' || error.kind === 'read-uncertainty') this.clock.update(error.existingTimestamp);
      if (error.kind === 'deadlock') this.stats.deadlocks++;
      if (error.kind !== 'write-intent') throw toTxnError(error, ba);
      waitedMs += lockWaitMs;
      const own = ba.header.txn?.id;
      const others = error.intents.filter((i) => i.txn.id !== own);
      if (others.length === 0) throw new TesseraError('kv-error', 'kv reported a conflict with our own intent');
      const first = others[0] as Intent;
      if (options.noWait === true) {
        throw new TxnError('lock-not-available', `could not obtain lock on key ${prettyKey(first.key)}: held by transaction ${first.txn.id}`, { key: first.key });
      }
      if (await this.pushAndResolve(others)) {
        lockWaitMs = 0;
        continue;
      }
      if (waitedMs >= waitBudgetMs) {
        const code = options.waitMs !== undefined ? 'lock-timeout' : 'txn-retry';
        throw new TxnError(code, `conflict with transaction ${first.txn.id} on key ${prettyKey(first.key)} (waited ${waitedMs} ms)`, { key: first.key });
      }
      this.stats.intentWaits++;
      lockWaitMs = Math.max(1, Math.min(this.config.lockWaitSliceMs, waitBudgetMs - waitedMs));
      // A kv without a wait-queue (or with a full one) answers at once: do not spin.
      if (waitedMs > 0) await this.sleep(this.config.intentWaitBackoffMsMin);
    }
  }

  /** Pushes the intents' owners; resolves the intents of finished ones. True if any were cleaned. */
  private async pushAndResolve(intents: readonly Intent[]): Promise<boolean> {
    const byTxn = new Map<TxnId, Intent[]>();
    for (const i of intents) byTxn.set(i.txn.id, [...(byTxn.get(i.txn.id) ?? []), i]);
    let progressed = false;
    for (const group of byTxn.values()) {
      const pushee = (group[0] as Intent).txn;
      this.stats.pushes++;
      const res = await this.sender.send({
        header: { timestamp: this.clock.now(), txn: null },
        requests: [{ kind: 'push-txn', pushee }],
      });
      if (!res.ok) throw toTxnError(res.error, null);
      const push = res.responses[0];
      if (push?.kind !== 'push-txn' || push.pusheeStatus === 'pending') continue;
      const status = push.pusheeStatus;
      const commitTimestamp = push.commitTimestamp ?? pushee.writeTimestamp;
      this.logger.debug({ pushee: pushee.id, status, intents: group.length }, 'resolving intents of a finished txn');
      const resolved = await this.sender.send({
        header: { timestamp: this.clock.now(), txn: null },
        requests: group.map((i) => ({ kind: 'resolve-intent', span: pointSpan(i.key), txn: i.txn, status, commitTimestamp })),
      });
      if (!resolved.ok) throw toTxnError(resolved.error, null);
      this.stats.resolvedIntents += group.length;
      progressed = true;
    }
    return progressed;
  }
}

/** The contract error for one of kv's expected failures. */
export function toTxnError(error: KvError, ba: BatchRequest | null): Error {
  switch (error.kind) {
    case 'condition-failed':
      return new TxnError('duplicate-key', `duplicate key ${prettyKey(error.key)}`, { key: error.key });
    case 'read-conflict':
      return new TxnError('txn-retry', `read conflict: key ${prettyKey(error.key)} was read by another transaction at a later timestamp`, {
        key: error.key,
        retryTimestamp: error.readTimestamp,
      });
    case 'write-too-old':
      return new TxnError('txn-retry', `write-too-old: key ${prettyKey(error.key)} has a newer committed version`, {
        key: error.key,
        retryTimestamp: error.existingTimestamp,
      });
    case 'read-uncertainty':
      return new TxnError('txn-retry', `read uncertainty: key ${prettyKey(error.key)} has a version committed within the clock offset of the read`, {
        key: error.key,
        retryTimestamp: error.existingTimestamp,
      });
    case 'refresh-failed':
      return new TxnError('txn-retry', `refresh failed: key ${prettyKey(error.key)} changed after the transaction read it`, { key: error.key });
    case 'txn-aborted':
      return new TxnError('txn-aborted', `transaction ${ba?.header.txn?.id ?? error.txnId} was aborted`);
    case 'write-intent':
      return new TxnError('txn-retry', 'conflict with another transaction', { key: (error.intents[0] as Intent).key });
    case 'deadlock':
      return new TxnError('deadlock', `deadlock detected: transaction ${error.txnId} waits for ${error.cycle.slice(1).join(' -> ')}; it was chosen to abort`);
    case 'ambiguous-result':
      // Not a conflict: the write may have happened. Never retried as if it had not.
      return new TxnError('ambiguous-result', `result is ambiguous: ${error.message}`);
    case 'range-unavailable':
      // No replica answered in time: nothing was applied (else the router says ambiguous).
      return new TesseraError('range-unavailable', `range r${String(error.rangeId)} is unavailable: ${error.message}`);
    case 'range-key-mismatch':
    case 'range-not-found':
    case 'invalid-request':
    case 'not-leaseholder':
      return new TesseraError('kv-error', `kv failed: ${JSON.stringify(error, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
    default: {
      const never: never = error;
      return new TesseraError('kv-error', `unknown kv error ${String(never)}`);
    }
  }
}
