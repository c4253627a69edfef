/**
 * The workloads, each a generator of operations, a pgwire client for them and a checker:
 * bank (transfers between accounts, reads of every balance), register (single-key read,
 * write and compare-and-set on rotating keys) and list-append (transactions of appends
 * and whole-list reads, for the Elle-style checker).
 */
import type { CheckResult, HistoryEvent } from './history.ts';
import { checkBank } from './checkers/bank.ts';
import { checkRegisters, type RegisterOp } from './checkers/linearizable.ts';
import { checkListAppend, type MicroOp } from './checkers/list-append.ts';
import type { Rng } from './nemesis.ts';

export type Isolation = 'serializable' | 'read committed';

/**
 * What a workload needs of a SQL client: node-postgres's `query`, which a WorkloadClient has;
 * the in-process simulator passes an adapter over a Session.
 */
export interface WorkloadClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface Invocation {
  readonly f: string;
  readonly value: unknown;
}

/** Thrown by an operation that definitely did not happen (it is recorded as `fail`). */
export class DefiniteFailure extends Error {}

export interface Workload {
  readonly name: string;
  /** Creates tables and initial rows (run once, before any fault). */
  setup(client: WorkloadClient): Promise<void>;
  /** The next operation of a client. */
  generate(rng: Rng): Invocation;
  /** Runs the operation; returns its completed value. */
  invoke(client: WorkloadClient, op: Invocation, isolation: Isolation): Promise<unknown>;
  check(events: readonly HistoryEvent[]): CheckResult;
}

async function inTxn<T>(client: WorkloadClient, isolation: Isolation, body: () => Promise<T>): Promise<T> {
  await client.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
  try {
    const out = await body();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    // After a definite failure the block is still open: end it (errors here are the
    // connection's and surface on the next use).
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export function bankWorkload(accounts = 5, initial = 100): Workload {
  const ids = Array.from({ length: accounts }, (_, i) => i);
  return {
    name: 'bank',
    async setup(client) {
      await client.query('CREATE TABLE bank (id INT PRIMARY KEY, balance INT NOT NULL)');
      await client.query(`INSERT INTO bank VALUES ${ids.map((i) => `(${i}, ${initial})`).join(', ')}`);
    },
    generate(rng) {
      if (rng.next() < 0.4) return { f: 'read', value: null };
      const from = rng.int(accounts);
      const to = (from + 1 + rng.int(accounts - 1)) % accounts;
      return { f: 'transfer', value: { from, to, amount: 1 + rng.int(20) } };
    },
    async invoke(client, op, isolation) {
      if (op.f === 'read') {
        const r = await client.query<{ id: number; balance: number }>('SELECT id, balance FROM bank');
        return Object.fromEntries(r.rows.map((row) => [String(row.id), Number(row.balance)]));
      }
      const t = op.value as { from: number; to: number; amount: number };
      return inTxn(client, isolation, async () => {
        const r = await client.query<{ balance: number }>('SELECT balance FROM bank WHERE id = $1', [t.from]);
        const balance = Number(r.rows[0]?.balance ?? 0);
        if (balance < t.amount) throw new DefiniteFailure(`insufficient funds: ${balance} < ${t.amount}`);
        await client.query('UPDATE bank SET balance = balance - $2 WHERE id = $1', [t.from, t.amount]);
        await client.query('UPDATE bank SET balance = balance + $2 WHERE id = $1', [t.to, t.amount]);
        return t;
      });
    },
    check: (events) => checkBank({ accounts: ids, total: accounts * initial }, events),
  };
}

/**
 * Registers on rotating keys: `keysActive` at a time, each retired after `opsPerKey` ops.
 * The rows exist from the start (value NULL), so a write is one UPDATE: atomic.
 */
export function registerWorkload(keysActive = 3, opsPerKey = 60, keysMax = 20_000): Workload {
  let generated = 0;
  return {
    name: 'register',
    async setup(client) {
      await client.query('CREATE TABLE register (k INT PRIMARY KEY, v INT)');
      for (let start = 0; start < keysMax; start += 1_000) {
        const rows = Array.from({ length: Math.min(1_000, keysMax - start) }, (_, i) => `(${start + i}, NULL)`);
        await client.query(`INSERT INTO register VALUES ${rows.join(', ')}`);
      }
    },
    generate(rng) {
      const group = Math.min(Math.floor(generated++ / (opsPerKey * keysActive)), Math.floor(keysMax / keysActive) - 1);
      const key = group * keysActive + rng.int(keysActive);
      const p = rng.next();
      if (p < 0.5) return { f: 'read', value: { key, value: null } satisfies RegisterOp };
      if (p < 0.75) return { f: 'write', value: { key, value: rng.int(5) } satisfies RegisterOp };
      return { f: 'cas', value: { key, from: rng.int(5), to: rng.int(5) } satisfies RegisterOp };
    },
    async invoke(client, op) {
      const v = op.value as RegisterOp;
      if (op.f === 'read') {
        const r = await client.query<{ v: number | null }>('SELECT v FROM register WHERE k = $1', [v.key]);
        const got = r.rows[0]?.v ?? null;
        return { key: v.key, value: got === null ? null : Number(got) };
      }
      if (op.f === 'write' && 'value' in v) {
        const u = await client.query('UPDATE register SET v = $2 WHERE k = $1', [v.key, v.value]);
        if (u.rowCount !== 1) throw new Error(`write updated ${u.rowCount} rows`);
        return v;
      }
      if ('from' in v) {
        const u = await client.query('UPDATE register SET v = $3 WHERE k = $1 AND v = $2', [v.key, v.from, v.to]);
        if (u.rowCount === 0) throw new DefiniteFailure('compare failed');
        return v;
      }
      throw new Error(`bad register op ${op.f}`);
    },
    check: (events) => checkRegisters(events, null),
  };
}

/**
 * List-append: transactions of 1-4 micro-ops over a few active keys; every appended value
 * is unique per key (a counter); a key is retired after `appendsPerKey` appends.
 */
export function listAppendWorkload(keysActive = 5, appendsPerKey = 40): Workload {
  let nextValue = 1;
  let appended = 0;
  return {
    name: 'list-append',
    async setup(client) {
      await client.query('CREATE TABLE lists (k INT PRIMARY KEY, v TEXT NOT NULL)');
    },
    generate(rng) {
      const n = 1 + rng.int(4);
      const mops: MicroOp[] = [];
      for (let i = 0; i < n; i++) {
        const base = Math.floor(appended / (appendsPerKey * keysActive)) * keysActive;
        const key = base + rng.int(keysActive);
        if (rng.next() < 0.5) mops.push(['r', key, null]);
        else {
          appended++;
          mops.push(['append', key, nextValue++]);
        }
      }
      return { f: 'txn', value: mops };
    },
    async invoke(client, op, isolation) {
      const mops = op.value as readonly MicroOp[];
      return inTxn(client, isolation, async () => {
        const out: MicroOp[] = [];
        for (const m of mops) {
          if (m[0] === 'r') {
            const r = await client.query<{ v: string }>('SELECT v FROM lists WHERE k = $1', [m[1]]);
            const text = r.rows[0]?.v ?? '';
            out.push(['r', m[1], text === '' ? [] : text.split(',').filter((x) => x !== '').map(Number)]);
            continue;
          }
          const u = await client.query('UPDATE lists SET v = v || $2 WHERE k = $1', [m[1], `,${m[2]}`]);
          if (u.rowCount === 0) await client.query('INSERT INTO lists VALUES ($1, $2)', [m[1], `,${m[2]}`]);
          out.push(m);
        }
        return out;
      });
    },
    check: (events) => checkListAppend(events),
  };
}

export function makeWorkload(name: string): Workload {
  switch (name) {
    case 'bank':
      return bankWorkload();
    case 'register':
      return registerWorkload();
    case 'list-append':
      return listAppendWorkload();
    default:
      throw new Error(`unknown workload "${name}" (known: bank, register, list-append)`);
  }
}
