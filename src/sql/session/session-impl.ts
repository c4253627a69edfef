/**
 * The Session wire drives (see ../session.ts): transaction state machine, simple and
 * extended protocol, SET/SHOW, DDL. Each statement is planned (or its cached plan reused),
 * then run inside the session's open transaction, which is implicit (committed at the end
 * of a query string or at Sync) unless BEGIN opened it.
 */
import { searchPathSchemas } from './search-path.ts';
import { assertNever, type Logger, type Random } from '../../util/index.ts';
import type { TxnCoordinator } from '../../txn/index.ts';
import { CatalogChanges, CatalogView, type Catalog } from '../catalog/catalog.ts';
import type { TableResolver } from '../plan/plan-select.ts';
import type { TableDesc } from '../catalog/descriptors.ts';
import { errorCode, toSqlError } from '../errors.ts';
import { parseDoBlock } from './session-do.ts';
import type { EvalContext } from '../expr/bound.ts';
import type { ExecContext, ExecLimits } from '../exec/operators.ts';
import type { Parser } from '../parser/parse.ts';
import type { ParsedStatement, Statement, TableRef } from '../parser/ast.ts';
import { sqlError, SqlError } from '../sql-error.ts';
import type { ColumnInfo, ExecuteOptions, QueryEvent, Session, StatementDescription, TransactionStatus } from '../session.ts';
import { positionOf, resolveTypeName, typeOid, type SqlType, type Value } from '../types/types.ts';
import { Binder } from '../expr/bind-expr.ts';
import { planStatement, runPlan, textRowEncoder, type Planned } from './planner.ts';
import { SessionSequences, type SequenceCache } from '../catalog/sequences.ts';
import { catalogObjects } from './catalog-objects.ts';
import { runUtility, type UtilityHost } from './utility.ts';
import { Settings, txnIsolationOf } from './settings.ts';
import { declaredParamType, decodeParam } from './params.ts';
import { PortalCursor } from './portal-cursor.ts';
import { isCopy, runCopy, type CopyHost } from './copy-run.ts';
import { OpenTxn } from './txn-state.ts';
import { SessionAdvisoryLocks } from '../advisory/advisory-locks.ts';
import { CatalogSnapshot, isVirtualSchema, virtualTable, type PgCatalog } from '../pgcatalog/index.ts';
import { lockingTxn } from './locking.ts';
import { decideStatementRetry, STATEMENT_RETRY_BACKOFF_MS_MAX } from './statement-retry.ts';
import { indexSpan } from '../storage/keys.ts';
import { AuthReader } from '../auth/auth-catalog.ts';
import { alterOwner, authorize, runAuth, withOwnership, type SessionAuthHost } from './session-auth.ts';

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Undefined table, schema and object (type): what a stale catalog cache reports. */
const CATALOG_MISSES: ReadonlySet<string> = new Set(['42P01', '3F000', '42704']);

export interface SessionDeps {
  readonly parser: Parser;
  readonly catalog: Catalog;
  readonly txns: TxnCoordinator;
  readonly logger: Logger;
  /** Jitter of the backoff between server-side retries. */
  readonly random: Random;
  /** How that backoff waits (real timers when absent; a simulator passes virtual ones). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Present when other nodes change the catalog: a fresh load before a name is reported missing. */
  readonly reloadCatalog?: () => Promise<void>;
  readonly limits: ExecLimits & { readonly preparedStatementsMax: number };
  readonly nowMicros: () => bigint;
  /** The node's sequence cache (nextval never rolls back, never repeats). */
  readonly sequences: SequenceCache;
  /** Called once when the session closes (the per-role connection count). */
  readonly onClose?: () => void;
  /** A DML statement changed `rows` rows of `table` (automatic ANALYZE counts them). */
  readonly onRowsChanged?: (table: TableDesc, rows: number) => void;
}

interface Prepared {
  readonly parsed: ParsedStatement | null;
  readonly declared: readonly (SqlType | null)[];
  planned: Planned | null;
}

interface Portal {
  readonly prepared: Prepared;
  readonly planned: Planned | null;
  readonly params: readonly Value[];
  readonly binary: readonly boolean[];
  /** Created by the first Execute; holds the statement open while the portal is suspended. */
  cursor: PortalCursor | null;
}

/** Why the running statement must stop, if it must. */
type StopReason = 'cancel' | 'statement-timeout' | null;

export class SqlSession implements Session {
  private readonly settings = new Settings();
  private open: OpenTxn | null = null;
  private readonly prepared = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  /** currval/lastval memory over the node's sequence cache. */
  private readonly sequences: SessionSequences;
  private stopReason: StopReason = null;
  private statementTimer: ReturnType<typeof setTimeout> | null = null;
  private extendedFailed = false;
  private readonly advisory: SessionAdvisoryLocks;
  /** Transaction-level advisory locks being released after the transaction ended. */
  private advisoryRelease: Promise<void> = Promise.resolve();
  /** Every table each plan's planning resolved: what its privilege check covers. */
  private readonly referencedTables = new WeakMap<Planned, readonly TableDesc[]>();

  constructor(
    private readonly deps: SessionDeps,
    readonly user: string,
    readonly database: { readonly id: number; readonly name: string },
    applicationName: string,
  ) {
    if (applicationName !== '') this.settings.set('application_name', applicationName);
    this.advisory = new SessionAdvisoryLocks(deps.txns, database.id, crypto.randomUUID(), () => Number(deps.nowMicros() / 1000n));
    this.sequences = new SessionSequences(deps.sequences);
    this.settings.setIdentity(user, this.authReader().role(user)?.superuser === true);
  }

  initialParameterStatus(): readonly (readonly [string, string])[] {
    const s = (n: string): string => this.settings.get(n) ?? '';
    return [
      ['server_version', s('server_version')], ['server_encoding', 'UTF8'], ['client_encoding', s('client_encoding')],
      ['DateStyle', s('datestyle')], ['integer_datetimes', 'on'], ['standard_conforming_strings', 'on'],
      ['TimeZone', s('timezone')], ['IntervalStyle', 'postgres'], ['application_name', s('application_name')],
      ['is_superuser', s('is_superuser')], ['session_authorization', s('session_authorization')],
    ];
  }

  transactionStatus(): TransactionStatus {
    if (this.open === null) return 'idle';
    if (this.open.failed) return 'failed';
    return this.open.explicit ? 'in-transaction' : 'idle';
  }

  query(sql: string): AsyncIterable<QueryEvent> {
    return this.runQuery(sql);
  }

  private async *runQuery(sql: string): AsyncGenerator<QueryEvent> {
    await this.advisoryRelease;
    this.startStatement();
    try {
      yield* this.runQueryString(sql);
    } finally {
      this.endStatement();
    }
  }

  /**
   * statement_timeout counts from the start of a query string or Execute, as PostgreSQL's
   * does. The timer only sets a flag: the executor checks it per batch, so a statement stops
   * at its next batch boundary, never in the middle of a write.
   */
  private startStatement(): void {
    this.stopReason = null;
    this.endStatement();
    const ms = this.settings.statementTimeoutMs;
    if (ms > 0) {
      this.statementTimer = setTimeout(() => {
        this.stopReason ??= 'statement-timeout';
      }, ms);
    }
  }

  private endStatement(): void {
    if (this.statementTimer !== null) clearTimeout(this.statementTimer);
    this.statementTimer = null;
  }

  private checkStopped(): void {
    if (this.stopReason === 'cancel') throw sqlError('57014', 'canceling statement due to user request');
    if (this.stopReason === 'statement-timeout') throw sqlError('57014', 'canceling statement due to statement timeout');
  }

  private async *runQueryString(sql: string): AsyncGenerator<QueryEvent> {
    let stmts: ParsedStatement[];
    try {
      stmts = this.deps.parser.parse(sql);
    } catch (err) {
      this.markFailed();
      throw toSqlError(err, this.deps.logger);
    }
    if (stmts.length === 0) {
      yield { kind: 'empty-query' };
      return;
    }
    try {
      for (const [i, parsed] of stmts.entries()) {
        if (parsed.statement.kind === 'unsupported' && isCopy(parsed.text)) {
          this.checkFailedBlock(parsed.statement);
          yield* runCopy(parsed.text, this.copyHost());
          continue;
        }
        const planned = this.checkFailedBlock(parsed.statement) ? null : await this.planAfterReload(parsed.statement, []);
        // A simple query carries no parameter values: $n in it is an error, not NULL.
        if (planned !== null && planned.paramTypes.length > 0) throw sqlError('42P02', `there is no parameter $${planned.paramTypes.length}`);
        yield* this.runStatement(parsed.statement, planned, [], [], true, i === stmts.length - 1);
      }
      if (this.open !== null && !this.open.explicit) await this.finishImplicit(true);
    } catch (err) {
      const e = toSqlError(this.open?.explain(err) ?? err, this.deps.logger);
      await this.afterError();
      throw e;
    }
  }

  /** In a failed block only COMMIT/ROLLBACK run; everything else is 25P02. Returns true when planning must be skipped. */
  private checkFailedBlock(stmt: Statement): boolean {
    if (this.open === null || !this.open.failed) return false;
    if (stmt.kind === 'commit' || stmt.kind === 'rollback' || stmt.kind === 'rollback-to') return true;
    throw sqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block');
  }

  private markFailed(): void {
    if (this.open !== null && this.open.explicit) this.open.failed = true;
  }

  private async afterError(): Promise<void> {
    const open = this.open;
    if (open === null) return;
    if (open.explicit) {
      open.failed = true;
      return;
    }
    this.setOpen(null, false);
    await open.rollback().catch(() => undefined);
  }

  private async finishImplicit(commit: boolean): Promise<void> {
    const open = this.open;
    if (open === null) return;
    this.setOpen(null, commit);
    if (commit) await open.commit();
    else await open.rollback();
  }

  /** The one place `open` changes, so that transactional settings follow the transaction. */
  private setOpen(open: OpenTxn | null, committed: boolean): void {
    const ended = this.open !== null && open === null;
    this.open = open;
    if (open !== null) this.settings.beginTransaction();
    else this.settings.endTransaction(committed);
    if (ended) {
      // Starts now (other sessions may be waiting); awaited before this session's next statement.
      this.advisoryRelease = this.advisoryRelease.then(() => this.advisory.releaseAll('xact')).catch((err: unknown) => this.deps.logger.warn({ err }, 'releasing advisory locks failed'));
    }
  }

  private async closeCursors(): Promise<void> {
    for (const p of this.portals.values()) await p.cursor?.close();
  }

  private ensureTxn(): OpenTxn {
    if (this.open === null) this.setOpen(OpenTxn.begin(this.deps.txns, this.deps.catalog, false, this.defaultIsolation()), false);
    return this.open!;
  }

  private defaultIsolation(): 'serializable' | 'read-committed' {
    return txnIsolationOf(this.settings.get('default_transaction_isolation') ?? 'serializable');
  }

  private resolver(): TableResolver {
    const view = (): CatalogView => this.open?.view ?? new CatalogView(this.deps.catalog, new CatalogChanges());
    const objects = catalogObjects((ref) => this.lookupName(ref), (id) => (this.open !== null ? this.open.view.descriptor(id) : this.deps.catalog.descriptor(id)));
    return {
      resolveTable: (schema, name, pos) => {
        const t = virtualTable(schema, name) ?? (isVirtualSchema(schema) ? null : this.lookupTable({ schema, name, alias: null, pos }));
        if (t === null) throw sqlError('42P01', `relation "${schema === null ? name : `${schema}.${name}`}" does not exist`, positionOf(pos));
        return t;
      },
      tableById: (id) => view().table(id),
      resolveView: (schema, name) => {
        const entry = this.lookupName({ schema, name, alias: null, pos: -1 });
        return entry === null || entry.kind !== 'view' ? null : view().view(entry.viewId);
      },
      referencing: (table) => view().referencing(table),
      resolveType: objects.type,
      resolveSequence: objects.sequence,
    };
  }

  lookupTable(ref: TableRef): TableDesc | null {
    const entry = this.lookupName(ref);
    if (entry === null || entry.kind !== 'table') return null;
    return this.open !== null ? this.open.view.table(entry.tableId) : (this.deps.catalog.descriptor(entry.tableId) as TableDesc | null);
  }

  /** A name in its schema, or (unqualified) in the first schema of search_path that has it. */
  lookupName(ref: TableRef): ReturnType<Catalog['name']> {
    for (const name of ref.schema === null ? searchPathSchemas(this.settings.get('search_path'), this.user) : [ref.schema]) {
      const schema = (this.open?.view ?? this.deps.catalog).schema(this.database.id, name);
      if (schema === null) continue;
      const entry = this.open !== null ? this.open.view.name(this.database.id, schema.id, ref.name) : this.deps.catalog.name(this.database.id, schema.id, ref.name);
      if (entry !== null) return entry;
    }
    return null;
  }

  /**
   * Plans; when a name is missing from the cache and other nodes change the catalog, loads
   * it afresh and plans once more (the name may come from DDL another node just committed).
   */
  private async planAfterReload(stmt: Statement, declared: readonly (SqlType | null)[]): Promise<Planned> {
    try {
      return this.plan(stmt, declared);
    } catch (err) {
      if (this.deps.reloadCatalog === undefined || !(err instanceof SqlError) || !CATALOG_MISSES.has(err.code)) throw err;
      await this.deps.reloadCatalog();
      return this.plan(stmt, declared);
    }
  }

  private plan(stmt: Statement, declared: readonly (SqlType | null)[]): Planned {
    const base = this.resolver();
    const referenced: TableDesc[] = [];
    // The other lookups (views, types, sequences, foreign keys) pass through unchanged.
    const collecting: TableResolver = {
      ...base,
      resolveTable: (schema: string | null, name: string, pos: number): TableDesc => {
        const t = base.resolveTable(schema, name, pos);
        referenced.push(t);
        return t;
      },
    };
    const planned = planStatement(stmt, declared, collecting, this.settings);
    this.referencedTables.set(planned, referenced);
    return planned;
  }

  /** Roles and privileges as this session sees them (its open transaction's changes included). */
  private authReader(): AuthReader {
    return new AuthReader(this.deps.catalog, this.open?.changes ?? null);
  }

  /** current_user: the session user unless SET ROLE chose another role. */
  private currentRole(): string {
    const role = this.settings.get('role');
    return role === null || role === 'none' ? this.user : role;
  }

  private authHost(): SessionAuthHost {
    return {
      user: this.currentRole(),
      sessionUser: this.user,
      databaseId: this.database.id,
      catalog: this.deps.catalog,
      open: () => this.open,
      ensureTxn: () => this.ensureTxn(),
      lookupTable: (ref) => this.lookupTable(ref),
      lookupName: (ref) => this.lookupName(ref),
    };
  }

  /** A cached plan is stale when any table it read has a newer descriptor. */
  private isStale(planned: Planned): boolean {
    for (const t of planned.tables) {
      if (t.virtual !== undefined) continue;
      const current = this.open !== null ? this.open.view.table(t.id) : (this.deps.catalog.descriptor(t.id) as TableDesc | null);
      if (current !== t) return true;
    }
    return false;
  }

  /** pg_catalog's view of the catalog for one statement: built on first use, then kept. */
  private pgCatalog(open: OpenTxn | null): PgCatalog {
    let snap: CatalogSnapshot | null = null;
    return {
      snapshot: () => (snap ??= CatalogSnapshot.build(this.deps.catalog, open?.changes ?? null, this.database.name, this.user, this.settings.get('search_path') ?? 'public')),
    };
  }

  private evalContext(params: readonly Value[], open: OpenTxn | null, catalog: PgCatalog = this.pgCatalog(open)): EvalContext {
    const settings = this.settings;
    return {
      catalog,
      advisory: this.advisory,
      setConfig: (name, value, local) => {
        if (local) settings.setLocal(name, value);
        else settings.set(name, value);
        return settings.get(name) ?? value;
      },
      get objectNames() {
        return catalog.snapshot();
      },
      params,
      user: this.currentRole(),
      database: this.database.name,
      txnMicros: open === null ? this.deps.nowMicros() : open.txn.startNanos / 1000n,
      timeZone: settings.timeZone,
      extraFloatDigits: settings.extraFloatDigits,
      setting: (name) => settings.get(name),
      sequences: this.sequences,
    };
  }

  private execContext(open: OpenTxn, params: readonly Value[]): ExecContext {
    return {
      txn: open.txn,
      eval: this.evalContext(params, open),
      limits: this.deps.limits,
      checkCancelled: () => this.checkStopped(),
      nowMs: () => Number(this.deps.nowMicros()) / 1000,
    };
  }

  private async *runStatement(
    stmt: Statement,
    planned: Planned | null,
    params: readonly Value[],
    binary: readonly boolean[],
    describe: boolean,
    lastInImplicit: boolean,
    /** False: a DML statement's writes stay buffered (COPY sends them with its commit). */
    flushDml = true,
  ): AsyncGenerator<QueryEvent> {
    if (stmt.kind === 'prepare' || stmt.kind === 'execute' || stmt.kind === 'deallocate') {
      yield* this.runNamedStatement(stmt, describe, lastInImplicit);
      return;
    }
    if (stmt.kind === 'do') {
      yield* this.runDo(stmt);
      return;
    }
    authorize(this.authHost(), stmt, planned === null ? [] : (this.referencedTables.get(planned) ?? planned.tables));
    if (planned === null || planned.plan.kind === 'utility') {
      // A statement alone in its implicit transaction that names what another node just
      // created runs again, in a fresh transaction, after a fresh load of the catalog.
      const alone = this.open === null && lastInImplicit;
      for (let attempt = 0; ; attempt++) {
        let yielded = false;
        try {
          for await (const e of withOwnership(this.authHost(), stmt, runUtility(stmt, this.utilityHost(), describe))) {
            yielded = true;
            // A reported setting changed by SET/RESET, or restored by COMMIT/ROLLBACK.
            if (e.kind === 'command-complete') yield* this.reportedSettingEvents();
            if (e.kind === 'notice' && !this.settings.sendsNotice(e.notice.severity)) continue;
            yield e;
          }
          return;
        } catch (err) {
          const reload = this.deps.reloadCatalog;
          if (attempt > 0 || yielded || !alone || reload === undefined || !(err instanceof SqlError) || !CATALOG_MISSES.has(err.code)) throw err;
          const failed = this.open;
          if (failed !== null && !failed.explicit) {
            this.setOpen(null, false);
            await failed.rollback().catch(() => undefined);
          }
          await reload();
        }
      }
    }
    // Retried in the server when the client has seen nothing of it (statement-retry.ts).
    const alone = this.open === null && lastInImplicit;
    const rcBlock = this.open !== null && this.open.explicit && this.open.txn.isolation === 'read-committed' ? this.open : null;
    let describeNow = describe;
    for (let attempt = 0; ; attempt++) {
      let sentRows = false;
      const savepoint = rcBlock?.txn.savepoint() ?? 0;
      try {
        for await (const e of this.runPlanned(stmt, planned, params, binary, describeNow, lastInImplicit, flushDml)) {
          if (e.kind === 'row-description') describeNow = false;
          if (e.kind === 'rows') sentRows = true;
          yield e;
        }
        return;
      } catch (err) {
        const readCommittedBlock = rcBlock !== null && rcBlock.txn.status === 'pending';
        const decision = decideStatementRetry({ alone, readCommittedBlock, sentRows, attempt, code: errorCode(err) });
        if (decision === 'report') throw err;
        if (decision === 'retry-from-savepoint') {
          await rcBlock!.txn.rollbackToSavepoint(savepoint);
          continue;
        }
        const failed = this.open;
        if (failed !== null) {
          this.setOpen(null, false);
          await failed.rollback().catch(() => undefined);
        }
        const ceilingMs = Math.min(2 ** attempt, STATEMENT_RETRY_BACKOFF_MS_MAX);
        const backoffMs = this.deps.random.next() * ceilingMs;
        await (this.deps.sleep ?? realSleep)(backoffMs);
      }
    }
  }

  private async *runPlanned(stmt: Statement, planned: Planned, params: readonly Value[], binary: readonly boolean[], describe: boolean, lastInImplicit: boolean, flushDml: boolean): AsyncGenerator<QueryEvent> {
    const locking = stmt.kind === 'select' ? stmt.locking : null;
    const open = this.ensureTxn();
    open.beginStatement();
    open.txn.setLockWait(locking?.wait === 'nowait' ? 'nowait' : 'block', this.settings.lockTimeoutMs);
    const txn = locking === null ? open.txn : lockingTxn(open.txn, planned.tables.map((t) => indexSpan(t.id, t.primaryIndex.id)), locking.wait === 'skip-locked');
    if (describe && planned.columns !== null) yield { kind: 'row-description', columns: planned.columns };
    const types = planned.plan.kind === 'query' ? planned.plan.query.types : planned.plan.kind === 'dml' ? planned.plan.dml.returningTypes : planned.columns?.map(() => ({ kind: 'text' }) as SqlType) ?? [];
    const exec = { ...this.execContext(open, params), txn };
    // reg* columns print names: the encoder reads them through the statement's catalog view.
    const catalog = exec.eval.catalog;
    const format = types.some((t) => t.kind === 'oid') && catalog !== undefined ? { timeZone: this.settings.timeZone, extraFloatDigits: this.settings.extraFloatDigits, objectNames: catalog.snapshot() } : this.settings;
    const encode = textRowEncoder(types, types.map((_t, i) => binary[i] ?? binary[0] ?? false), format);
    const gen = runPlan(planned.plan, exec, open.uniques, { types, binary }, encode);
    for (;;) {
      const r = await gen.next();
      if (r.done === true) {
        // A statement's errors must be its own, as in PostgreSQL: a duplicate key fails the
        // INSERT, not a later statement or the Sync. So writes are sent before the command
        // completes; the last statement of an implicit transaction sends them with the
        // commit itself, which on one range is a single synced write (the one-phase commit).
        if (!open.explicit && lastInImplicit) await this.finishImplicit(true);
        else if ((planned.plan.kind === 'dml' && flushDml) || locking !== null) await open.txn.flush(); // locks are taken now
        if (planned.plan.kind === 'dml') this.deps.onRowsChanged?.(planned.plan.dml.table, Number(/(\d+)$/.exec(r.value)?.[1] ?? 0));
        yield { kind: 'command-complete', tag: r.value };
        return;
      }
      yield r.value;
    }
  }

  private copyHost(): CopyHost {
    return {
      parser: this.deps.parser,
      format: this.settings,
      lookupTable: (ref) => this.lookupTable(ref),
      plan: (stmt, declared) => this.plan(stmt, declared),
      // In COPY's own implicit transactions the rows' writes go out with each commit: on
      // one range a single synced write without intents (errors then name a line range).
      run: (stmt, planned, params) => this.runStatement(stmt, planned, params, [], false, false, this.open?.explicit === true),
      inExplicitBlock: () => this.open?.explicit === true,
      commitImplicit: () => this.finishImplicit(true),
    };
  }

  private *reportedSettingEvents(): Generator<QueryEvent> {
    for (const [name, value] of this.settings.takeReported()) yield { kind: 'parameter-status', name, value };
  }

  utilityHost(): UtilityHost {
    return {
      settings: this.settings,
      getOpen: () => this.open,
      setOpen: (o, committed) => this.setOpen(o, committed),
      beginExplicit: (isolation) => OpenTxn.begin(this.deps.txns, this.deps.catalog, true, isolation ?? this.defaultIsolation()),
      ensureTxn: () => this.ensureTxn(),
      databaseId: this.database.id,
      catalog: this.deps.catalog,
      lookupTable: (ref) => this.lookupTable(ref),
      lookupName: (ref) => this.lookupName(ref),
      format: this.settings,
      execContext: () => this.execContext(this.ensureTxn(), []),
      describeQuery: (select) => [...(this.plan(select, []).columns ?? [])],
      runAuth: (stmt) => runAuth(this.authHost(), stmt),
      alterOwner: (stmt) => alterOwner(this.authHost(), stmt),
    };
  }

  /** DO: the block's statements in a savepoint; a caught error rolls back to it (session-do.ts). */
  private async *runDo(stmt: Extract<Statement, { kind: 'do' }>): AsyncGenerator<QueryEvent> {
    const block = parseDoBlock(stmt.body, stmt.language);
    const inner = this.deps.parser.parse(block.statements);
    const open = this.ensureTxn();
    const savepoint = open.txn.savepoint();
    try {
      for (const p of inner) {
        for await (const e of this.runStatement(p.statement, this.plan(p.statement, []), [], [], false, false)) {
          if (e.kind === 'notice') yield e;
        }
      }
    } catch (err) {
      if (!block.caught.includes(errorCode(err) ?? '')) throw err;
      await open.txn.rollbackToSavepoint(savepoint);
    }
    yield { kind: 'command-complete', tag: 'DO' };
  }

  /**
   * SQL PREPARE / EXECUTE / DEALLOCATE, over the same named statements as the extended
   * protocol's Parse (as in PostgreSQL). EXECUTE's arguments are evaluated as constants and
   * converted to the parameter types; the statement then runs as if it had been sent.
   */
  private async *runNamedStatement(stmt: Extract<Statement, { kind: 'prepare' | 'execute' | 'deallocate' }>, describe: boolean, lastInImplicit: boolean): AsyncGenerator<QueryEvent> {
    if (stmt.kind === 'deallocate') {
      if (stmt.name === null) this.prepared.clear();
      else if (!this.prepared.delete(stmt.name)) throw sqlError('26000', `prepared statement "${stmt.name}" does not exist`);
      yield { kind: 'command-complete', tag: stmt.name === null ? 'DEALLOCATE ALL' : 'DEALLOCATE' };
      return;
    }
    if (stmt.kind === 'prepare') {
      if (this.prepared.has(stmt.name)) throw sqlError('42P05', `prepared statement "${stmt.name}" already exists`);
      if (this.prepared.size >= this.deps.limits.preparedStatementsMax) throw sqlError('53400', 'too many prepared statements');
      const objects = catalogObjects((ref) => this.lookupName(ref), (id) => (this.open !== null ? this.open.view.descriptor(id) : this.deps.catalog.descriptor(id)));
      const declared = stmt.paramTypes.map((t) => resolveTypeName(t, objects.type));
      const planned = this.plan(stmt.statement, declared);
      this.prepared.set(stmt.name, { parsed: { statement: stmt.statement, text: '', offset: 0, paramCount: planned.paramTypes.length }, declared, planned });
      yield { kind: 'command-complete', tag: 'PREPARE' };
      return;
    }
    const p = this.prepared.get(stmt.name);
    if (p === undefined || p.parsed === null) throw sqlError('26000', `prepared statement "${stmt.name}" does not exist`);
    if (p.planned === null || (p.planned.plan.kind !== 'utility' && this.isStale(p.planned))) p.planned = this.plan(p.parsed.statement, p.declared);
    const types = p.planned.paramTypes;
    if (stmt.params.length !== types.length) throw sqlError('42601', `wrong number of parameters for prepared statement "${stmt.name}"`, { detail: `Expected ${types.length} parameters but got ${stmt.params.length}.` });
    const binder = new Binder([], this.settings);
    const ctx = this.execContext(this.ensureTxn(), []).eval;
    const values = stmt.params.map((e, i) => binder.assign(binder.bind(e, []), types[i]!, `$${i + 1}`, e.pos).eval([], ctx));
    yield* this.runStatement(p.parsed.statement, p.planned, values, [], describe, lastInImplicit);
  }

  // ---- extended protocol ----

  async prepare(name: string, sql: string, paramTypeOids: readonly number[]): Promise<StatementDescription> {
    try {
      if (name !== '' && this.prepared.has(name)) throw sqlError('42P05', `prepared statement "${name}" already exists`);
      if (this.prepared.size >= this.deps.limits.preparedStatementsMax) throw sqlError('53400', 'too many prepared statements');
      const stmts = this.deps.parser.parse(sql);
      if (stmts.length > 1) throw sqlError('42601', 'cannot insert multiple commands into a prepared statement');
      const parsed = stmts[0] ?? null;
      const declared = paramTypeOids.map((oid) => declaredParamType(oid));
      let planned: Planned | null = null;
      if (parsed !== null && !this.checkFailedBlock(parsed.statement)) planned = await this.planAfterReload(parsed.statement, declared);
      const p: Prepared = { parsed, declared, planned };
      this.prepared.set(name, p);
      return this.describePrepared(p);
    } catch (err) {
      this.extendedFailed = true;
      this.markFailed();
      throw toSqlError(err, this.deps.logger);
    }
  }

  private describePrepared(p: Prepared): StatementDescription {
    const paramTypeOids = (p.planned?.paramTypes ?? p.declared.map((t) => t ?? { kind: 'text' })).map((t) => typeOid(t));
    return { paramTypeOids, columns: p.planned?.columns ?? null };
  }

  describeStatement(name: string): StatementDescription {
    const p = this.prepared.get(name);
    if (p === undefined) throw sqlError('26000', `prepared statement "${name}" does not exist`);
    return this.describePrepared(p);
  }

  async bind(portal: string, statement: string, params: readonly (Uint8Array | null)[], paramFormats: readonly number[], resultFormats: readonly number[]): Promise<void> {
    try {
      const p = this.prepared.get(statement);
      if (p === undefined) throw sqlError('26000', `prepared statement "${statement}" does not exist`);
      if (p.parsed !== null && this.checkFailedBlock(p.parsed.statement)) {
        this.portals.set(portal, { prepared: p, planned: null, params: [], binary: [], cursor: null });
        return;
      }
      if (p.planned !== null && p.planned.plan.kind !== 'utility' && this.isStale(p.planned) && p.parsed !== null) {
        p.planned = this.plan(p.parsed.statement, p.declared);
      }
      const types = p.planned?.paramTypes ?? [];
      if (params.length !== types.length) {
        throw sqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "${statement}" requires ${types.length}`);
      }
      // reg* parameters given as names ('users' for a regclass) are looked up in the catalog.
      const named = types.some((t) => t.kind === 'oid' && t.reg !== 'oid');
      const format = named ? { timeZone: this.settings.timeZone, extraFloatDigits: this.settings.extraFloatDigits, objectNames: this.pgCatalog(this.open).snapshot() } : this.settings;
      const values = params.map((raw, i) => decodeParam(raw, types[i]!, paramFormats.length === 1 ? paramFormats[0]! : (paramFormats[i] ?? 0), format, i));
      const binary = resultFormats.map((f) => f === 1);
      this.portals.set(portal, { prepared: p, planned: p.planned, params: values, binary, cursor: null });
    } catch (err) {
      this.extendedFailed = true;
      this.markFailed();
      throw toSqlError(err, this.deps.logger);
    }
  }

  describePortal(portal: string): readonly ColumnInfo[] | null {
    const p = this.portals.get(portal);
    if (p === undefined) throw sqlError('34000', `portal "${portal}" does not exist`);
    const cols = p.planned?.columns ?? null;
    if (cols === null) return null;
    return cols.map((c, i) => ({ ...c, format: (p.binary.length === 1 ? p.binary[0] : p.binary[i]) === true ? 1 : 0 }));
  }

  execute(portal: string, maxRows: number, options: ExecuteOptions = {}): AsyncIterable<QueryEvent> {
    return this.runExecute(portal, maxRows, options.lastBeforeSync === true);
  }

  private async *runExecute(name: string, maxRows: number, lastBeforeSync: boolean): AsyncGenerator<QueryEvent> {
    await this.advisoryRelease;
    this.startStatement();
    try {
      const portal = this.portals.get(name);
      if (portal === undefined) throw sqlError('34000', `portal "${name}" does not exist`);
      const parsed = portal.prepared.parsed;
      if (parsed === null) {
        yield { kind: 'empty-query' };
        return;
      }
      if (portal.cursor === null) {
        this.checkFailedBlock(parsed.statement);
        portal.cursor = new PortalCursor(() => this.runStatement(parsed.statement, portal.planned, portal.params, portal.binary, false, lastBeforeSync));
      }
      yield* portal.cursor.fetch(maxRows);
    } catch (err) {
      this.extendedFailed = true;
      const e = toSqlError(this.open?.explain(err) ?? err, this.deps.logger);
      this.markFailed();
      throw e;
    } finally {
      this.endStatement();
    }
  }

  closeStatement(name: string): void {
    this.prepared.delete(name);
  }

  closePortal(name: string): void {
    const p = this.portals.get(name);
    this.portals.delete(name);
    // The cursor waits at a yield, so return() only runs its finally blocks; nothing to await for correctness.
    if (p?.cursor !== null && p?.cursor !== undefined) void p.cursor.close().catch((err: unknown) => this.deps.logger.warn({ err }, 'closing a portal failed'));
  }

  async sync(): Promise<void> {
    const failed = this.extendedFailed;
    this.extendedFailed = false;
    const unnamed = this.portals.get('');
    this.portals.delete('');
    await unnamed?.cursor?.close();
    if (this.open === null || this.open.explicit) return;
    // Portals do not outlive their transaction (none are WITH HOLD). Closed here, not in
    // finishImplicit, because that also runs inside a portal's own statement.
    await this.closeCursors();
    try {
      await this.finishImplicit(!failed);
    } catch (err) {
      throw toSqlError(err, this.deps.logger);
    }
  }

  idleInTransactionTimeoutMs(): number {
    return this.settings.idleInTransactionSessionTimeoutMs;
  }

  cancel(): void {
    this.stopReason ??= 'cancel';
  }

  private closed = false;

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.deps.onClose?.();
    }
    this.endStatement();
    const open = this.open;
    await this.closeCursors();
    this.open = null;
    this.prepared.clear();
    this.portals.clear();
    if (open !== null) await open.rollback().catch(() => undefined);
    await this.advisoryRelease;
    await this.advisory.close().catch((err: unknown) => this.deps.logger.warn({ err }, 'releasing advisory locks at session end failed'));
  }
}

export { SqlError, assertNever };
