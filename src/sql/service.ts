/**
 * The sql layer's factory: one SqlService per node. It loads the parser (WASM) once,
 * owns the node's catalog cache, and opens Sessions.
 */
import type { TxnCoordinator } from '../txn/index.ts';
import type { Env } from '../util/index.ts';
import { Catalog } from './catalog/catalog.ts';
import { SequenceCache } from './catalog/sequences.ts';
import { createParser } from './parser/parse.ts';
import { sqlError } from './sql-error.ts';
import { AuthReader, type RoleAttributes } from './auth/auth-catalog.ts';
import { decideAccess } from './auth/privileges.ts';
import { HBA_SETTING } from './auth/auth-ast.ts';
import { parseHba, type HbaRule } from './auth/hba.ts';
import { settingKey } from './storage/keys.ts';
import type { Session, SqlService, StartupParams } from './session.ts';
import { SqlSession } from './session/session-impl.ts';
import { AutoAnalyze, defaultAutoAnalyze, type AutoAnalyzeSettings } from './auto-analyze.ts';

/** Limits of the sql layer, each with its unit. */
export interface SqlLimits {
  /** Rows per KV scan page (how much one scan round trip fetches). */
  readonly scanPageRows: number;
  /** Rows one statement may hold in memory (sort, aggregate, UPDATE/DELETE targets). */
  readonly resultRowsMax: number;
  /** Named prepared statements per session. */
  readonly preparedStatementsMax: number;
}

export const defaultSqlLimits: SqlLimits = { scanPageRows: 256, resultRowsMax: 1_000_000, preparedStatementsMax: 10_000 };

export interface SqlServiceOptions {
  readonly env: Env;
  readonly txns: TxnCoordinator;
  readonly limits?: Partial<SqlLimits>;
  /** Automatic ANALYZE (auto-analyze.ts); `intervalMs: 0` turns it off. */
  readonly autoAnalyze?: Partial<AutoAnalyzeSettings>;
  /** How sessions wait between server-side retries (real timers when absent). */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Other nodes change the catalog too (a cluster): a name this node's cache does not know
   * (42P01, 3F000, 42704, 3D000) is looked up again after a fresh load of the catalog
   * before it is reported, so DDL committed on any node is visible on every node at once.
   */
  readonly sharedCatalog?: boolean;
}

/**
 * Loads of the catalog cache, one at a time (a load replaces the whole cache: two at once
 * could leave the older one's result). `fresh()` resolves when a load that began after the
 * call has finished; callers that ask before it begins share it.
 */
class CatalogLoads {
  private tail: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(private readonly load: () => Promise<void>) {}

  fresh(): Promise<void> {
    if (this.queued !== null) return this.queued;
    const next = this.tail
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.load();
      });
    this.queued = next;
    this.tail = next;
    return next;
  }
}

export interface TesseraSqlService extends SqlService {
  /**
   * Creates the system objects on first start (databases defaultdb and postgres, schema
   * public in each, role root) and loads the catalog cache. Idempotent; call once before
   * the first openSession.
   */
  bootstrap(): Promise<void>;
  /**
   * Reloads the catalog cache from KV: how a node of a cluster learns of DDL run on other
   * nodes until a descriptor lease protocol replaces it (server calls it periodically).
   */
  refreshCatalog(): Promise<void>;
  /** Stops background work (automatic ANALYZE). */
  close(): void;
}

export async function createSqlService(options: SqlServiceOptions): Promise<TesseraSqlService> {
  const parser = await createParser();
  const catalog = new Catalog();
  const sequences = new SequenceCache(options.txns);
  const limits = { ...defaultSqlLimits, ...options.limits };
  const { env, txns } = options;
  const loads = new CatalogLoads(() => catalog.load(txns));
  const reloadCatalog = options.sharedCatalog === true ? () => loads.fresh() : undefined;
  let ready = false;
  const sessionsByRole = new Map<string, number>();
  let hbaCache: { text: string; rules: readonly HbaRule[] } = { text: '', rules: [] };
  const internalSession = (database: string): Promise<Session> => service.openSession({ user: 'root', database, options: new Map(), remoteAddress: 'internal' });
  const autoAnalyze = new AutoAnalyze({ ...defaultAutoAnalyze, ...options.autoAnalyze }, catalog, internalSession, env.logger);
  const service: TesseraSqlService = {
    async bootstrap(): Promise<void> {
      await catalog.bootstrap(txns);
      ready = true;
    },
    async refreshCatalog(): Promise<void> {
      await loads.fresh();
    },
    close(): void {
      autoAnalyze.close();
    },
    async openSession(params: StartupParams): Promise<Session> {
      if (!ready) {
        await loads.fresh();
        ready = true;
      }
      let database = catalog.database(params.database);
      if (database === null && reloadCatalog !== undefined) {
        await reloadCatalog();
        database = catalog.database(params.database);
      }
      if (database === null) throw sqlError('3D000', `database "${params.database}" does not exist`, { severity: 'FATAL' });
      const role = checkLogin(new AuthReader(catalog, null), params.user, database);
      // CONNECTION LIMIT counts this node's sessions of the role (superusers are exempt, as in PostgreSQL).
      const open = sessionsByRole.get(role.name) ?? 0;
      if (role.connectionLimit >= 0 && !role.superuser && open >= role.connectionLimit) {
        throw sqlError('53300', `too many connections for role "${role.name}"`, { severity: 'FATAL' });
      }
      sessionsByRole.set(role.name, open + 1);
      const onClose = (): void => {
        const n = (sessionsByRole.get(role.name) ?? 1) - 1;
        if (n <= 0) sessionsByRole.delete(role.name);
        else sessionsByRole.set(role.name, n);
      };
      return new SqlSession(
        { parser, catalog, txns, logger: env.logger, random: env.random, limits, nowMicros: () => env.clock.nowNanos() / 1000n, sequences, onClose, ...(options.sleep === undefined ? {} : { sleep: options.sleep }), ...(reloadCatalog === undefined ? {} : { reloadCatalog }), onRowsChanged: (table, rows) => autoAnalyze.note(table.id, rows) },
        params.user,
        { id: database.id, name: database.name },
        params.options.get('application_name') ?? '',
      );
    },
    async hbaRules(): Promise<readonly HbaRule[] | null> {
      const txn = txns.begin({ implicit: true });
      let raw: Uint8Array | null;
      try {
        raw = await txn.get(settingKey(HBA_SETTING));
        await txn.commit();
      } catch (err) {
        await txn.rollback();
        throw err;
      }
      if (raw === null) return null;
      const text = Buffer.from(raw).toString('utf8');
      if (text !== hbaCache.text) {
        const parsed = parseHba(text);
        // Only parsed rules are ever stored (ALTER SYSTEM checks them): a failure is a bug.
        if (!parsed.ok) throw new Error(`stored ${HBA_SETTING} does not parse: ${parsed.error}`);
        hbaCache = { text, rules: parsed.rules };
      }
      return hbaCache.rules;
    },
    async passwordVerifier(user: string): Promise<string | null> {
      if (!ready) {
        await catalog.load(txns);
        ready = true;
      }
      const role = new AuthReader(catalog, null).role(user);
      // An expired password (VALID UNTIL) authenticates no more, as in PostgreSQL.
      if (role === null || (role.validUntilMs !== null && Number(env.clock.nowNanos() / 1_000_000n) > role.validUntilMs)) return null;
      return role.passwordHash;
    },
  };
  return service;
}

/** The role may log in and connect to the database (PostgreSQL's checks after authentication). */
function checkLogin(reader: AuthReader, user: string, database: { readonly id: number; readonly name: string }): RoleAttributes {
  const role = reader.role(user);
  if (role === null) throw sqlError('28000', `role "${user}" does not exist`, { severity: 'FATAL' });
  if (!role.login) throw sqlError('28000', `role "${user}" is not permitted to log in`, { severity: 'FATAL' });
  if (!decideAccess(reader.lookup, user, 'CONNECT', reader.objectAcl('database', database.id)).ok) {
    throw sqlError('42501', `permission denied for database "${database.name}"`, { severity: 'FATAL', detail: 'User does not have CONNECT privilege.' });
  }
  return role;
}
