// A scripted Session/SqlService: the test double wire is tested against until sql's real
// Session exists. Its behaviour is small and fixed so tests can assert on it:
//   select 1           one int4 row '1', tag SELECT 1
//   select $1::text    echoes the first parameter (extended protocol)
//   rows N             N rows (n int4: '0'..'N-1') in batches of 100, tag SELECT N
//   stream             endless 1 KiB rows; `rowsPulled` counts what wire pulled
//   sleep MS           completes after MS milliseconds unless cancelled (57014)
//   begin/commit/rollback   move transactionStatus() through idle/in-transaction/failed
//   notice             a NOTICE then tag DO;  set NAME VALUE  a ParameterStatus then tag SET
//   bad                SqlError 42601 with position, detail and hint
//   boom               a plain Error (wire must turn it into XX000)
//   anything else      SqlError 42601
import {
  SqlError,
  sqlError,
  type ColumnInfo,
  type FormattedRow,
  type QueryEvent,
  type Session,
  type SqlService,
  type StartupParams,
  type StatementDescription,
  type TransactionStatus,
} from '../../src/sql/index.ts';

function column(name: string, typeOid: number, typeSize: number): ColumnInfo {
  return { name, tableOid: 0, columnAttr: 0, typeOid, typeSize, typeMod: -1, format: 0 };
}
const int4 = (name: string): ColumnInfo => column(name, 23, 4);
const text = (name: string): ColumnInfo => column(name, 25, -1);

interface Plan {
  readonly columns: readonly ColumnInfo[] | null;
  readonly rows: () => Iterator<FormattedRow>;
  readonly tag: (rowCount: number) => string;
  readonly before?: () => Promise<void>;
  /** Events sent before the rows (notices, parameter status changes). */
  readonly extra?: readonly QueryEvent[];
}

interface Portal {
  readonly plan: Plan;
  readonly rows: Iterator<FormattedRow>;
  /** One row read ahead, to know whether the portal is exhausted. */
  peeked: IteratorResult<FormattedRow> | null;
  sent: number;
}

function* range(n: number, row: (i: number) => FormattedRow): Generator<FormattedRow> {
  for (let i = 0; i < n; i++) yield row(i);
}

const kib = 'x'.repeat(1024);

export class ScriptedSession implements Session {
  status: TransactionStatus = 'idle';
  closeCount = 0;
  cancelCount = 0;
  rowsPulled = 0;
  readonly queries: string[] = [];
  private readonly statements = new Map<string, { sql: string; plan: (params: readonly (string | null)[]) => Plan; paramCount: number }>();
  private readonly portals = new Map<string, Portal>();
  private cancelRequested = false;

  constructor(readonly params: StartupParams) {}

  initialParameterStatus(): readonly (readonly [string, string])[] {
    return [
      ['server_version', '16.0 (Tessera test)'],
      ['client_encoding', 'UTF8'],
      ['integer_datetimes', 'on'],
    ];
  }

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  async *query(sql: string): AsyncIterable<QueryEvent> {
    this.queries.push(sql);
    const statements = sql.split(';').map((s) => s.trim()).filter((s) => s !== '');
    if (statements.length === 0) {
      yield { kind: 'empty-query' };
      return;
    }
    for (const statement of statements) {
      const plan = this.planChecked(statement, []);
      if (plan.columns !== null) yield { kind: 'row-description', columns: plan.columns };
      yield* this.run(plan, plan.rows(), 0);
    }
  }

  prepare(name: string, sql: string, paramTypeOids: readonly number[]): Promise<StatementDescription> {
    if (name !== '' && this.statements.has(name)) throw sqlError('42P05', `prepared statement "${name}" already exists`);
    const paramCount = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const plan = (params: readonly (string | null)[]): Plan => this.planChecked(sql.trim(), params);
    plan(new Array<string>(paramCount).fill('')); // validates now, as Parse would
    this.statements.set(name, { sql, plan, paramCount });
    return Promise.resolve(this.describeStatement(name, paramTypeOids));
  }

  describeStatement(name: string, given: readonly number[] = []): StatementDescription {
    const statement = this.statements.get(name);
    if (statement === undefined) throw sqlError('26000', `prepared statement "${name}" does not exist`);
    const paramTypeOids = Array.from({ length: statement.paramCount }, (_, i) => given[i] || 25);
    return { paramTypeOids, columns: statement.plan(new Array<string>(statement.paramCount).fill('')).columns };
  }

  bind(portal: string, statement: string, params: readonly (Uint8Array | null)[], paramFormats: readonly number[]): Promise<void> {
    const prepared = this.statements.get(statement);
    if (prepared === undefined) throw sqlError('26000', `prepared statement "${statement}" does not exist`);
    if (params.length !== prepared.paramCount) {
      throw sqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "${statement}" requires ${prepared.paramCount}`);
    }
    if (paramFormats.some((f) => f !== 0)) throw sqlError('0A000', 'binary parameters are not supported by the test session');
    const text = params.map((p) => (p === null ? null : Buffer.from(p).toString('utf8')));
    const plan = prepared.plan(text);
    this.portals.set(portal, { plan, rows: plan.rows(), peeked: null, sent: 0 });
    return Promise.resolve();
  }

  describePortal(portal: string): readonly ColumnInfo[] | null {
    const p = this.portals.get(portal);
    if (p === undefined) throw sqlError('34000', `portal "${portal}" does not exist`);
    return p.plan.columns;
  }

  async *execute(portalName: string, maxRows: number): AsyncIterable<QueryEvent> {
    const portal = this.portals.get(portalName);
    if (portal === undefined) throw sqlError('34000', `portal "${portalName}" does not exist`);
    // A real session may emit a row description here; wire must not forward it on Execute.
    if (portal.plan.columns !== null) yield { kind: 'row-description', columns: portal.plan.columns };
    yield* this.runPortal(portal, maxRows);
  }

  closeStatement(name: string): void {
    this.statements.delete(name);
  }

  closePortal(name: string): void {
    this.portals.delete(name);
  }

  sync(): Promise<void> {
    this.portals.delete('');
    return Promise.resolve();
  }

  cancel(): void {
    this.cancelCount++;
    this.cancelRequested = true;
  }

  close(): Promise<void> {
    this.closeCount++;
    return Promise.resolve();
  }

  private async *run(plan: Plan, rows: Iterator<FormattedRow>, maxRows: number): AsyncGenerator<QueryEvent> {
    const portal: Portal = { plan, rows, peeked: null, sent: 0 };
    yield* this.runPortal(portal, maxRows);
  }

  private async *runPortal(portal: Portal, maxRows: number): AsyncGenerator<QueryEvent> {
    if (portal.plan.before !== undefined) await portal.plan.before();
    for (const event of portal.plan.extra ?? []) yield event;
    let sentNow = 0;
    let batch: FormattedRow[] = [];
    for (;;) {
      if (maxRows > 0 && sentNow === maxRows) break;
      const next = portal.peeked ?? portal.rows.next();
      portal.peeked = null;
      if (next.done === true) break;
      batch.push(next.value);
      sentNow++;
      this.rowsPulled++;
      if (batch.length === 100) {
        yield { kind: 'rows', rows: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { kind: 'rows', rows: batch };
    portal.sent += sentNow;
    if (maxRows > 0 && sentNow === maxRows) {
      portal.peeked = portal.rows.next();
      if (portal.peeked.done !== true) {
        yield { kind: 'portal-suspended' };
        return;
      }
    }
    yield { kind: 'command-complete', tag: portal.plan.tag(portal.sent) };
  }

  /** Plans a statement, applying PostgreSQL's failed-transaction rule and its effect on status. */
  private planChecked(sql: string, params: readonly (string | null)[]): Plan {
    const lower = sql.toLowerCase();
    if (this.status === 'failed' && lower !== 'rollback' && lower !== 'commit') {
      throw sqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block');
    }
    try {
      return this.plan(lower, params);
    } catch (err) {
      if (this.status === 'in-transaction') this.status = 'failed';
      throw err;
    }
  }

  private plan(sql: string, params: readonly (string | null)[]): Plan {
    const none = (): Iterator<FormattedRow> => range(0, () => [])[Symbol.iterator]();
    const simple = (tag: string, before?: () => void): Plan => ({
      columns: null,
      rows: none,
      tag: () => tag,
      ...(before === undefined ? {} : { before: () => Promise.resolve(before()) }),
    });
    let m: RegExpMatchArray | null;
    if (sql === 'select 1') return { columns: [int4('?column?')], rows: () => range(1, () => ['1']), tag: (n) => `SELECT ${n}` };
    if (sql === 'select $1::text') return { columns: [text('text')], rows: () => range(1, () => [params[0] ?? null]), tag: (n) => `SELECT ${n}` };
    if ((m = /^rows (\d+)$/.exec(sql)) !== null) {
      const n = Number(m[1]);
      return { columns: [int4('n')], rows: () => range(n, (i) => [String(i)]), tag: (k) => `SELECT ${k}` };
    }
    if (sql === 'stream') return { columns: [text('payload')], rows: () => range(Number.MAX_SAFE_INTEGER, () => [kib]), tag: (k) => `SELECT ${k}` };
    if ((m = /^sleep (\d+)$/.exec(sql)) !== null) {
      const ms = Number(m[1]);
      return { columns: null, rows: none, tag: () => 'SLEEP', before: () => this.sleep(ms) };
    }
    if (sql === 'begin') return simple('BEGIN', () => (this.status = 'in-transaction'));
    if (sql === 'commit') return simple(this.status === 'failed' ? 'ROLLBACK' : 'COMMIT', () => (this.status = 'idle'));
    if (sql === 'rollback') return simple('ROLLBACK', () => (this.status = 'idle'));
    if (sql === 'notice') {
      const notice = { severity: 'NOTICE', code: '00000', message: 'a notice', detail: 'notice detail' } as const;
      return { columns: null, rows: none, tag: () => 'DO', extra: [{ kind: 'notice', notice }] };
    }
    if ((m = /^set (\w+) (\w+)$/.exec(sql)) !== null) {
      const [name, value] = [m[1] ?? '', m[2] ?? ''];
      return { columns: null, rows: none, tag: () => 'SET', extra: [{ kind: 'parameter-status', name, value }] };
    }
    if (sql === 'bad') {
      throw new SqlError({ code: '42601', message: 'syntax error at or near "bad"', position: 1, detail: 'a detail', hint: 'a hint' });
    }
    if (sql === 'boom') throw new Error('kaboom');
    throw sqlError('42601', `syntax error in "${sql}"`);
  }

  private async sleep(ms: number): Promise<void> {
    this.cancelRequested = false;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.cancelRequested) throw sqlError('57014', 'canceling statement due to user request');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

export class ScriptedSqlService implements SqlService {
  readonly sessions: ScriptedSession[] = [];

  openSession(params: StartupParams): Promise<ScriptedSession> {
    if (params.database === 'explode') {
      // A session with a bug: wire must close only this connection and log it.
      const session = new ScriptedSession(params);
      session.transactionStatus = (): TransactionStatus => {
        throw new TypeError('bug in transactionStatus');
      };
      this.sessions.push(session);
      return Promise.resolve(session);
    }
    if (params.database === 'nope') return Promise.reject(sqlError('3D000', `database "${params.database}" does not exist`));
    const session = new ScriptedSession(params);
    this.sessions.push(session);
    return Promise.resolve(session);
  }
}
