// Test harness: a sql service over the real kv/txn on memory-level, and helpers that run
// SQL through the Session interface and collect results as text.
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator } from '../../src/txn/index.ts';
import { createSqlService, SqlError, type QueryEvent, type Session, type SqlLimits, type SqlServiceOptions, type TesseraSqlService } from '../../src/sql/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';

export interface TestCluster {
  readonly service: TesseraSqlService;
  session(database?: string): Promise<Session>;
  close(): Promise<void>;
}

/** One node's sql over kv in this process: memory-level, or classic-level in `storePath`. */
export async function startSql(options: { readonly storePath?: string; readonly limits?: Partial<SqlLimits>; readonly autoAnalyze?: SqlServiceOptions['autoAnalyze'] } = {}): Promise<TestCluster> {
  const env = testEnv(1, new ManualClock());
  const engine = await openEngine(options.storePath === undefined ? { memory: true } : { path: options.storePath });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 20 }, sleep: () => new Promise((r) => setImmediate(r)) });
  const service = await createSqlService({
    env,
    txns: coord,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.autoAnalyze === undefined ? {} : { autoAnalyze: options.autoAnalyze }),
  });
  await service.bootstrap();
  const sessions: Session[] = [];
  return {
    service,
    async session(database = 'defaultdb') {
      const s = await service.openSession({ user: 'root', database, options: new Map(), remoteAddress: 'test' });
      sessions.push(s);
      return s;
    },
    async close() {
      service.close();
      for (const s of sessions) await s.close();
      coord.close();
      await kv.close();
      await engine.close();
    },
  };
}

export interface Result {
  readonly columns: string[];
  readonly rows: (string | null)[][];
  readonly tags: string[];
  readonly notices: string[];
}

export async function run(session: Session, sql: string): Promise<Result> {
  const result: Result = { columns: [], rows: [], tags: [], notices: [] };
  for await (const e of session.query(sql)) collect(result, e);
  return result;
}

export function collect(result: Result, e: QueryEvent): void {
  if (e.kind === 'row-description') result.columns.splice(0, result.columns.length, ...e.columns.map((c) => c.name));
  else if (e.kind === 'rows') for (const r of e.rows) result.rows.push(r.map((v) => (v === null ? null : typeof v === 'string' ? v : Buffer.from(v).toString('hex'))));
  else if (e.kind === 'command-complete') result.tags.push(e.tag);
  else if (e.kind === 'notice') result.notices.push(e.notice.message);
}

/** Rows as 'a|b' lines, NULL as 'NULL'. */
export async function rows(session: Session, sql: string): Promise<string[]> {
  const r = await run(session, sql);
  return r.rows.map((row) => row.map((v) => v ?? 'NULL').join('|'));
}

export async function sqlErrorOf(session: Session, sql: string): Promise<SqlError> {
  try {
    await run(session, sql);
  } catch (err) {
    if (err instanceof SqlError) return err;
    throw err;
  }
  throw new Error(`expected an error from: ${sql}`);
}
