/**
 * Advisory locks (pg_advisory_lock and friends), real and cluster-wide: each lock is a KV
 * record /system/advisory/<db>/<key> listing its holders, changed in short transactions
 * of its own, so every node sees every holder and two sessions never both get an
 * exclusive lock (the record's read and write conflict in KV; the loser retries).
 *
 * A session keeps its re-entrant counts locally and touches KV only on the first
 * acquisition and the last release of a (key, mode). Session-level locks last until
 * unlocked or the session ends; transaction-level ones until the transaction ends.
 * A holder entry carries a lease that the holding session renews while it holds locks;
 * an entry whose lease ran out (its node died) counts as released, so a crash never
 * leaves a lock held forever.
 */
import type { Txn, TxnCoordinator } from '../../txn/index.ts';
import { decodeJson, encodeJson } from '../catalog/catalog.ts';
import { toSqlError } from '../errors.ts';
import { advisoryLockKey } from '../storage/keys.ts';

export type LockMode = 'exclusive' | 'shared';

/**
 * A lock's key: one bigint (space 1) or two integers (space 2), which PostgreSQL keeps
 * apart — pg_advisory_lock(0, 9) is not pg_advisory_lock(9).
 */
export interface AdvisoryKey {
  readonly space: 1 | 2;
  readonly value: bigint;
}
export type LockScope = 'session' | 'xact';

/** The advisory locks of one session, as the pg_advisory_* functions use them. */
export interface AdvisoryLocks {
  /** Takes the lock; `wait` = block until it is free (else return false at once). */
  acquire(key: AdvisoryKey, mode: LockMode, scope: LockScope, wait: boolean, checkCancelled: () => void): Promise<boolean>;
  /** Releases one session-level hold; false when the session does not hold it. */
  release(key: AdvisoryKey, mode: LockMode): Promise<boolean>;
  /** Releases every lock of `scope` (session: pg_advisory_unlock_all; xact: transaction end). */
  releaseAll(scope: LockScope): Promise<void>;
}

export interface AdvisoryLockLimits {
  /** How long a holder entry stays valid without renewal. */
  readonly leaseMs: number;
  /** First and longest pause between attempts while waiting for a held lock. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

export const defaultAdvisoryLockLimits: AdvisoryLockLimits = { leaseMs: 20_000, retryMinMs: 5, retryMaxMs: 200 };

interface Holder {
  readonly owner: string;
  readonly shared: boolean;
  readonly expiresAtMs: number;
}

interface Held {
  session: number;
  xact: number;
}

const heldKey = (key: AdvisoryKey, mode: LockMode): string => `${mode}:${key.space}:${key.value}`;

function parseHeldKey(k: string): [LockMode, AdvisoryKey] {
  const [mode, space, value] = k.split(':') as [LockMode, string, string];
  return [mode, { space: space === '2' ? 2 : 1, value: BigInt(value) }];
}

export class SessionAdvisoryLocks implements AdvisoryLocks {
  private readonly held = new Map<string, Held>();
  private renewTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly txns: TxnCoordinator,
    private readonly databaseId: number,
    /** Unique per session in the cluster. */
    private readonly owner: string,
    private readonly nowMs: () => number,
    private readonly limits: AdvisoryLockLimits = defaultAdvisoryLockLimits,
  ) {}

  async acquire(key: AdvisoryKey, mode: LockMode, scope: LockScope, wait: boolean, checkCancelled: () => void): Promise<boolean> {
    const local = this.held.get(heldKey(key, mode));
    if (local !== undefined && local.session + local.xact > 0) {
      local[scope]++;
      return true;
    }
    let pauseMs = this.limits.retryMinMs;
    for (;;) {
      checkCancelled();
      if (await this.tryTake(key, mode)) {
        // After the await: another acquire of this key may have finished meanwhile.
        const entry = this.held.get(heldKey(key, mode)) ?? { session: 0, xact: 0 };
        entry[scope]++;
        this.held.set(heldKey(key, mode), entry);
        this.startRenewing();
        return true;
      }
      if (!wait) return false;
      await new Promise((r) => setTimeout(r, pauseMs));
      pauseMs = Math.min(pauseMs * 2, this.limits.retryMaxMs);
    }
  }

  async release(key: AdvisoryKey, mode: LockMode): Promise<boolean> {
    const k = heldKey(key, mode);
    const local = this.held.get(k);
    if (local === undefined || local.session === 0) return false;
    local.session--;
    if (local.session + local.xact === 0) {
      this.held.delete(k);
      await this.drop([[key, mode]]);
    }
    return true;
  }

  async releaseAll(scope: LockScope): Promise<void> {
    const dropped: [AdvisoryKey, LockMode][] = [];
    for (const [k, h] of [...this.held]) {
      h[scope] = 0;
      if (h.session + h.xact > 0) continue;
      this.held.delete(k);
      const [mode, key] = parseHeldKey(k);
      dropped.push([key, mode]);
    }
    if (dropped.length > 0) await this.drop(dropped);
    if (this.held.size === 0) this.stopRenewing();
  }

  /** One attempt in its own transaction: adds this session as a holder if compatible. */
  private async tryTake(key: AdvisoryKey, mode: LockMode): Promise<boolean> {
    return this.inTxn(async (txn) => {
      const now = this.nowMs();
      const holders = (await this.read(txn, key)).filter((h) => h.expiresAtMs > now);
      const others = holders.filter((h) => h.owner !== this.owner);
      const compatible = mode === 'exclusive' ? others.length === 0 : others.every((h) => h.shared);
      if (!compatible) return false;
      holders.push({ owner: this.owner, shared: mode === 'shared', expiresAtMs: now + this.limits.leaseMs });
      txn.put(advisoryLockKey(this.databaseId, key.space, key.value), encodeJson(holders));
      return true;
    }, false);
  }

  private async drop(locks: readonly [AdvisoryKey, LockMode][]): Promise<void> {
    await this.inTxn(async (txn) => {
      for (const [key, mode] of locks) {
        const rest = (await this.read(txn, key)).filter((h) => !(h.owner === this.owner && h.shared === (mode === 'shared')));
        if (rest.length === 0) txn.del(advisoryLockKey(this.databaseId, key.space, key.value));
        else txn.put(advisoryLockKey(this.databaseId, key.space, key.value), encodeJson(rest));
      }
      return true;
    }, true);
  }

  private async read(txn: Txn, key: AdvisoryKey): Promise<Holder[]> {
    const raw = await txn.get(advisoryLockKey(this.databaseId, key.space, key.value));
    return raw === null ? [] : (decodeJson(raw) as Holder[]);
  }

  /**
   * Runs `fn` in a transaction and commits it. A conflict (40001) means a concurrent
   * change of the same lock: `retry` repeats (releases must happen), else it counts as
   * "not acquired this time" and the caller's loop decides.
   */
  private async inTxn(fn: (txn: Txn) => Promise<boolean>, retry: boolean): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const txn = this.txns.begin();
      try {
        const ok = await fn(txn);
        if (ok) await txn.commit();
        else await txn.rollback();
        return ok;
      } catch (err) {
        await txn.rollback().catch(() => undefined);
        if (toSqlError(err).code !== '40001' || !retry || attempt >= 100) {
          if (toSqlError(err).code === '40001' && !retry) return false;
          throw err;
        }
      }
    }
  }

  private startRenewing(): void {
    if (this.renewTimer !== null) return;
    this.renewTimer = setInterval(() => void this.renew().catch(() => undefined), Math.max(1, Math.floor(this.limits.leaseMs / 3)));
    this.renewTimer.unref();
  }

  private stopRenewing(): void {
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /** Pushes the lease of every held lock forward. */
  private async renew(): Promise<void> {
    const keys = [...this.held.keys()].map(parseHeldKey);
    await this.inTxn(async (txn) => {
      const now = this.nowMs();
      for (const [mode, key] of keys) {
        const holders = await this.read(txn, key);
        const mine = (h: Holder): boolean => h.owner === this.owner && h.shared === (mode === 'shared');
        txn.put(advisoryLockKey(this.databaseId, key.space, key.value), encodeJson(holders.map((h) => (mine(h) ? { ...h, expiresAtMs: now + this.limits.leaseMs } : h))));
      }
      return true;
    }, true);
  }

  /** Session end: every lock goes. */
  async close(): Promise<void> {
    this.stopRenewing();
    for (const h of this.held.values()) h.xact = 0;
    await this.releaseAll('session');
  }
}
