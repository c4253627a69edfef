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
import type { Session, SqlService, StartupParams } from './session.ts';
import { SqlSession } from './session/session-impl.ts';

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
}

export interface TesseraSqlService extends SqlService {
  /**
   * Creates the system objects on first start (databases defaultdb and postgres, schema
   * public in each, role root) and loads the catalog cache. Idempotent; call once before
   * the first openSession.
   */
  bootstrap(): Promise<void>;
}

export async function createSqlService(options: SqlServiceOptions): Promise<TesseraSqlService> {
  const parser = await createParser();
  const catalog = new Catalog();
  const sequences = new SequenceCache(options.txns);
  const limits = { ...defaultSqlLimits, ...options.limits };
  const { env, txns } = options;
  let ready = false;
  return {
    async bootstrap(): Promise<void> {
      await catalog.bootstrap(txns);
      ready = true;
    },
    async openSession(params: StartupParams): Promise<Session> {
      if (!ready) {
        await catalog.load(txns);
        ready = true;
      }
      const database = catalog.database(params.database);
      if (database === null) throw sqlError('3D000', `database "${params.database}" does not exist`, { severity: 'FATAL' });
      if (catalog.role(params.user) === null) throw sqlError('28000', `role "${params.user}" does not exist`, { severity: 'FATAL' });
      return new SqlSession(
        { parser, catalog, txns, logger: env.logger, limits, nowMicros: () => env.clock.nowNanos() / 1000n, sequences },
        params.user,
        { id: database.id, name: database.name },
        params.options.get('application_name') ?? '',
      );
    },
  };
}
