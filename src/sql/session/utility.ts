/**
 * Statements that are not planned queries: transaction control, SET/SHOW/RESET and DDL.
 * Transaction control follows PostgreSQL exactly: BEGIN inside a block warns, COMMIT of a
 * failed block rolls back and says ROLLBACK, COMMIT/ROLLBACK outside a block warn.
 */
import { creationSchema } from './search-path.ts';
import { assertNever } from '../../util/index.ts';
import { decodeJson, type Catalog } from '../catalog/catalog.ts';
import type { Descriptor, TableDesc } from '../catalog/descriptors.ts';
import { createIndex, createTable, dropIndexes, dropTables, truncateTables, type DdlContext } from '../exec/ddl.ts';
import { alterSequenceOwner, createEnum, createSequence, dropSequences, dropTypes } from '../exec/types-ddl.ts';
import { commentOn } from '../exec/comments.ts';
import { analyzeTables } from '../exec/analyze.ts';
import { catalogObjects } from './catalog-objects.ts';
import { Binder } from '../expr/bind-expr.ts';
import type { Literal, Statement, TableRef } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { QueryEvent } from '../session.ts';
import type { FormatContext } from '../types/text-io.ts';
import { isolationLevelName, settingDefaults, showColumnName, type Settings } from './settings.ts';
import type { OpenTxn } from './txn-state.ts';
import type { ExecContext } from '../exec/operators.ts';
import { alterTable } from '../exec/alter.ts';
import { createDatabase, createSchema, createView, dropDatabase, dropSchemas, dropViews, type ObjectsContext } from '../exec/ddl-objects.ts';
import { descriptorKey } from '../storage/keys.ts';

export interface UtilityHost {
  readonly settings: Settings;
  getOpen(): OpenTxn | null;
  /** Opens (BEGIN) or ends (COMMIT/ROLLBACK, `committed` saying which) the session's transaction. */
  setOpen(open: OpenTxn | null, committed: boolean): void;
  beginExplicit(isolation: 'serializable' | 'read-committed' | null): OpenTxn;
  ensureTxn(): OpenTxn;
  readonly databaseId: number;
  readonly catalog: Catalog;
  lookupTable(ref: TableRef): TableDesc | null;
  lookupName(ref: TableRef): ReturnType<Catalog['name']>;
  readonly format: FormatContext;
  /** An execution context in the session's transaction (DDL that reads or checks rows). */
  execContext(): ExecContext;
  /** ALTER ... OWNER TO (session-auth.ts). */
  alterOwner(stmt: Extract<Statement, { kind: 'alter-owner' }>): AsyncGenerator<QueryEvent>;
  /** Plans a SELECT (for CREATE VIEW): its output column names. */
  describeQuery(select: Extract<Statement, { kind: 'select' }>): { readonly name: string; readonly typeOid: number; readonly typeMod: number }[];
  /** Runs a role or privilege statement (auth/auth-exec.ts) in the session's transaction. */
  runAuth(stmt: Extract<Statement, { kind: 'auth' }>): AsyncGenerator<QueryEvent>;
}

const textColumn = { tableOid: 0, columnAttr: 0, typeOid: 25, typeSize: -1, typeMod: -1, format: 0 as const };

function warning(code: string, message: string): QueryEvent {
  return { kind: 'notice', notice: { severity: 'WARNING', code, message } };
}

export async function* runUtility(stmt: Statement, host: UtilityHost, describe: boolean): AsyncGenerator<QueryEvent> {
  switch (stmt.kind) {
    case 'begin': {
      const open = host.getOpen();
      if (open !== null && open.explicit) {
        yield warning('25001', 'there is already a transaction in progress');
      } else {
        // An implicit txn already running (earlier statements of this string) becomes the
        // block, keeping their effects, as in PostgreSQL.
        if (open !== null) open.explicit = true;
        else host.setOpen(host.beginExplicit(stmt.isolation), false);
      }
      yield { kind: 'command-complete', tag: 'BEGIN' };
      return;
    }
    case 'commit':
    case 'rollback': {
      const open = host.getOpen();
      host.setOpen(null, stmt.kind === 'commit' && open?.failed !== true);
      if (open === null || !open.explicit) {
        if (open !== null) await (stmt.kind === 'commit' ? open.commit() : open.rollback());
        yield warning('25P01', 'there is no transaction in progress');
        yield { kind: 'command-complete', tag: stmt.kind === 'commit' ? 'COMMIT' : 'ROLLBACK' };
        return;
      }
      if (stmt.kind === 'commit' && !open.failed) {
        await open.commit();
        yield { kind: 'command-complete', tag: 'COMMIT' };
      } else {
        await open.rollback();
        yield { kind: 'command-complete', tag: 'ROLLBACK' };
      }
      return;
    }
    case 'savepoint':
    case 'rollback-to':
    case 'release':
      yield* runSavepoint(stmt, host);
      return;
    case 'set':
      yield* runSet(stmt, host);
      return;
    case 'reset': {
      const names = stmt.name === null ? [...settingDefaults.keys()].filter((n) => !['server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', 'max_identifier_length', 'is_superuser', 'session_authorization'].includes(n)) : [stmt.name];
      for (const n of names) host.settings.set(n, null);
      yield { kind: 'command-complete', tag: 'RESET' };
      return;
    }
    case 'show':
      yield* runShow(stmt.name, host, describe);
      return;
    case 'create-table': case 'drop-table': case 'create-index': case 'drop-index': case 'truncate': case 'alter-table':
    case 'create-enum': case 'drop-type': case 'create-sequence': case 'drop-sequence': case 'alter-sequence': case 'comment': case 'analyze':
      yield* runDdl(stmt, host);
      return;
    case 'create-view': case 'drop-view': case 'create-schema': case 'drop-schema': case 'create-database': case 'drop-database':
      yield* runObjectDdl(stmt, host);
      return;
    case 'auth':
      yield* host.runAuth(stmt);
      return;
    case 'alter-owner':
      yield* host.alterOwner(stmt);
      return;
    case 'create-extension':
      // Their functions are built in (uuid_generate_v4, gen_random_uuid, DO blocks' subset).
      if (!['uuid-ossp', 'pgcrypto', 'plpgsql'].includes(stmt.name)) throw sqlError('0A000', `extension "${stmt.name}" is not available in Tessera`, { hint: 'uuid-ossp, pgcrypto and plpgsql are built in.' });
      if (!stmt.ifNotExists) yield { kind: 'notice', notice: { severity: 'NOTICE', code: '00000', message: `extension "${stmt.name}" is built in` } };
      yield { kind: 'command-complete', tag: 'CREATE EXTENSION' };
      return;
    case 'lock': {
      // ACCESS SHARE is what pg_dump takes to keep DDL away while it reads. Accepted without
      // blocking concurrent DDL (a known gap: docs/catalog.md); other modes are 0A000.
      if (host.getOpen()?.explicit !== true) throw sqlError('25P01', 'LOCK TABLE can only be used in transaction blocks');
      for (const ref of stmt.tables) {
        if (host.lookupTable(ref) === null) throw sqlError('42P01', `relation "${ref.schema === null ? ref.name : `${ref.schema}.${ref.name}`}" does not exist`);
      }
      if (stmt.mode !== 1) throw sqlError('0A000', 'LOCK TABLE is supported in ACCESS SHARE MODE only');
      yield { kind: 'command-complete', tag: 'LOCK TABLE' };
      return;
    }
    case 'select': case 'insert': case 'update': case 'delete': case 'explain': case 'unsupported':
    case 'prepare': case 'execute': case 'deallocate': case 'do': // the session runs these
      throw new Error(`${stmt.kind} is not a utility statement`);
    default:
      assertNever(stmt, 'statement');
  }
}

const savepointWords = { savepoint: 'SAVEPOINT', 'rollback-to': 'ROLLBACK TO SAVEPOINT', release: 'RELEASE SAVEPOINT' } as const;

/** SAVEPOINT / ROLLBACK TO SAVEPOINT / RELEASE SAVEPOINT, with PostgreSQL's errors and tags. */
async function* runSavepoint(stmt: Extract<Statement, { kind: 'savepoint' | 'rollback-to' | 'release' }>, host: UtilityHost): AsyncGenerator<QueryEvent> {
  const open = host.getOpen();
  if (open === null || !open.explicit) throw sqlError('25P01', `${savepointWords[stmt.kind]} can only be used in transaction blocks`);
  if (stmt.kind === 'savepoint') {
    open.savepoint(stmt.name);
    yield { kind: 'command-complete', tag: 'SAVEPOINT' };
  } else if (stmt.kind === 'rollback-to') {
    await open.rollbackTo(stmt.name);
    yield { kind: 'command-complete', tag: 'ROLLBACK' };
  } else {
    open.release(stmt.name);
    yield { kind: 'command-complete', tag: 'RELEASE' };
  }
}

function literalText(l: Literal): string {
  switch (l.kind) {
    case 'integer': case 'decimal': case 'string': case 'bitstring': return l.text;
    case 'bool': return l.value ? 'on' : 'off';
    case 'null': return '';
  }
}

async function* runSet(stmt: Extract<Statement, { kind: 'set' }>, host: UtilityHost): AsyncGenerator<QueryEvent> {
  const name = stmt.name;
  const open = host.getOpen();
  if (name === 'transaction_isolation') {
    yield* runSetTransactionIsolation(stmt, open);
    return;
  }
  if (stmt.local && (open === null || !open.explicit)) {
    // PostgreSQL's rule: outside a block SET LOCAL would end with the statement, so it warns.
    yield warning('25P01', 'SET LOCAL can only be used in transaction blocks');
    yield { kind: 'command-complete', tag: 'SET' };
    return;
  }
  let text: string | null = null;
  let isNumber = false;
  if (stmt.value.kind !== 'default') {
    const values = stmt.value.values;
    text = values.map(literalText).join(', ');
    isNumber = values.length === 1 && (values[0]!.kind === 'integer' || values[0]!.kind === 'decimal');
  }
  if (stmt.local) host.settings.setLocal(name, text, isNumber);
  else host.settings.set(name, text, isNumber);
  // ParameterStatus for reported settings is sent by the session before the command completes.
  yield { kind: 'command-complete', tag: 'SET' };
}

/**
 * SET TRANSACTION ISOLATION LEVEL (= SET transaction_isolation), PostgreSQL's rules: outside
 * a block it warns and does nothing; inside one it must come before any query (25001).
 */
async function* runSetTransactionIsolation(stmt: Extract<Statement, { kind: 'set' }>, open: OpenTxn | null): AsyncGenerator<QueryEvent> {
  const text = stmt.value.kind === 'default' ? 'serializable' : stmt.value.values.map(literalText).join(', ');
  const level = isolationLevelName(text);
  if (level === null) throw sqlError('22023', `invalid value for parameter "transaction_isolation": "${text}"`);
  if (open === null || !open.explicit) {
    yield warning('25P01', 'SET TRANSACTION can only be used in transaction blocks');
  } else {
    if (open.queried) throw sqlError('25001', 'SET TRANSACTION ISOLATION LEVEL must be called before any query');
    open.setIsolation(level);
  }
  yield { kind: 'command-complete', tag: 'SET' };
}

async function* runShow(name: string, host: UtilityHost, describe: boolean): AsyncGenerator<QueryEvent> {
  if (name === 'all') {
    if (describe) yield { kind: 'row-description', columns: ['name', 'setting', 'description'].map((n) => ({ ...textColumn, name: n })) };
    yield { kind: 'rows', rows: host.settings.all().map(([n, v]) => [n, v, '']) };
  } else {
    const open = host.getOpen();
    const isolation = name === 'transaction isolation level' || name === 'transaction_isolation';
    const value = isolation ? (open?.isolationName ?? host.settings.get('default_transaction_isolation')) : host.settings.get(name);
    if (value === null) throw sqlError('42704', `unrecognized configuration parameter "${name}"`);
    if (describe) yield { kind: 'row-description', columns: [{ ...textColumn, name: showColumnName(name) }] };
    yield { kind: 'rows', rows: [[value]] };
  }
  yield { kind: 'command-complete', tag: 'SHOW' };
}

/** The named objects (types, sequences) as the session's transaction sees them. */
function objectsOf(host: UtilityHost): ReturnType<typeof catalogObjects> {
  const open = host.ensureTxn();
  return catalogObjects((ref) => host.lookupName(ref), (id) => open.view.descriptor(id));
}

function ddlContext(host: UtilityHost, objects = objectsOf(host)): DdlContext {
  const open = host.ensureTxn();
  const binder = new Binder([], host.format);
  binder.typeLookup = objects.type;
  binder.sequenceLookup = objects.sequence;
  return {
    txn: open.txn,
    catalog: open.view,
    databaseId: host.databaseId,
    binder,
    format: host.format,
    lookupType: objects.type,
    schemaId: (schema, pos) => {
      // Unqualified names are created in the first existing schema of search_path. Both
      // look through the transaction's own changes: a schema it created is there.
      const name = schema ?? creationSchema(open.view, host.databaseId, host.settings.get('search_path'), host.settings.get('session_authorization') ?? '');
      if (name === null) throw sqlError('3F000', 'no schema has been selected to create in', pos >= 0 ? { position: pos + 1 } : {});
      const s = open.view.schema(host.databaseId, name);
      if (s === null) throw sqlError('3F000', `schema "${name}" does not exist`, pos >= 0 ? { position: pos + 1 } : {});
      return s.id;
    },
    resolveTable: (ref) => host.lookupTable(ref),
    lookupName: (ref) => host.lookupName(ref),
    eval: host.execContext().eval,
    execContext: () => host.execContext(),
  };
}

type ObjectStatement = Extract<Statement, { kind: 'create-view' | 'drop-view' | 'create-schema' | 'drop-schema' | 'create-database' | 'drop-database' }>;

async function* runObjectDdl(stmt: ObjectStatement, host: UtilityHost): AsyncGenerator<QueryEvent> {
  const inTransactionBlock = host.getOpen()?.explicit === true;
  const base = ddlContext(host);
  const ctx: ObjectsContext = {
    ...base,
    describeQuery: (select) => host.describeQuery(select),
    databaseByName: (name) => host.catalog.database(name),
    schemasOf: (id) => host.catalog.schemasOf(id),
    viewsOf: (schema) => host.catalog.viewsOf(schema),
    inTransactionBlock,
    currentDatabase: base.eval.database,
  };
  const notice = (message: string): QueryEvent => ({ kind: 'notice', notice: { severity: 'NOTICE', code: '00000', message } });
  let tag: string;
  switch (stmt.kind) {
    case 'create-view':
      await createView(stmt, ctx);
      tag = 'CREATE VIEW';
      break;
    case 'drop-view':
      for (const m of dropViews(stmt, ctx)) yield notice(m);
      tag = 'DROP VIEW';
      break;
    case 'create-schema': {
      const m = await createSchema(stmt, ctx);
      if (m !== null) yield notice(m);
      tag = 'CREATE SCHEMA';
      break;
    }
    case 'drop-schema':
      for (const m of dropSchemas(stmt, ctx)) yield notice(m);
      tag = 'DROP SCHEMA';
      break;
    case 'create-database':
      await createDatabase(stmt, ctx);
      tag = 'CREATE DATABASE';
      break;
    case 'drop-database': {
      const m = dropDatabase(stmt, ctx);
      if (m !== null) yield notice(m);
      tag = 'DROP DATABASE';
      break;
    }
  }
  yield { kind: 'command-complete', tag };
}

/** The tables whose descriptors a schema change rewrites from the cached copy. */
function changedTables(stmt: DdlStatement, ctx: DdlContext, host: UtilityHost): TableDesc[] {
  const refs: TableRef[] = [];
  switch (stmt.kind) {
    case 'alter-table': case 'create-index': refs.push(stmt.table); break;
    case 'truncate': case 'drop-table': refs.push(...stmt.tables); break;
    case 'comment': if (stmt.target.kind === 'table' || stmt.target.kind === 'column') refs.push(stmt.target.ref); break;
    case 'drop-index':
      return stmt.names.flatMap((ref) => {
        const entry = host.lookupName(ref);
        const t = entry?.kind === 'index' ? ctx.catalog.table(entry.tableId) : null;
        return t === null ? [] : [t];
      });
    default: break;
  }
  return refs.flatMap((ref) => {
    const t = ctx.resolveTable(ref);
    return t === null || t.virtual !== undefined ? [] : [t];
  });
}

/**
 * Reads each table's stored descriptor in the statement's transaction before the change is
 * built from the node's cached copy: a copy older than what another node committed is
 * refused (40001: retry once the cache has caught up, within a second), and a change
 * committed after this read makes the transaction's own write fail and retry. Either way
 * no schema change is written over one it did not see.
 */
async function checkCachedTables(tables: readonly TableDesc[], ctx: DdlContext): Promise<void> {
  for (const t of tables) {
    if (ctx.catalog.changedInTxn(t.id)) continue; // this transaction's own copy
    const raw = await ctx.txn.get(descriptorKey(t.id));
    if (raw === null) continue; // a drop committed elsewhere: the statement finds out itself
    const stored = decodeJson(raw) as Descriptor;
    if (stored.version !== t.version) {
      throw sqlError('40001', `could not serialize access: relation "${t.name}" was changed by a concurrent schema change on another node`, {
        hint: 'Retry the statement; this node learns of the change within a second.',
      });
    }
  }
}

type DdlStatement = Extract<Statement, { kind: 'create-table' | 'drop-table' | 'create-index' | 'drop-index' | 'truncate' | 'alter-table' | 'create-enum' | 'drop-type' | 'create-sequence' | 'drop-sequence' | 'alter-sequence' | 'comment' | 'analyze' }>;

async function* runDdl(stmt: DdlStatement, host: UtilityHost): AsyncGenerator<QueryEvent> {
  const open = host.ensureTxn();
  open.beginStatement();
  const objects = objectsOf(host);
  const ctx = ddlContext(host, objects);
  await checkCachedTables(changedTables(stmt, ctx, host), ctx);
  switch (stmt.kind) {
    case 'create-table':
      await createTable(stmt, ctx);
      yield { kind: 'command-complete', tag: 'CREATE TABLE' };
      return;
    case 'drop-table':
      dropTables(stmt, ctx);
      yield { kind: 'command-complete', tag: 'DROP TABLE' };
      return;
    case 'alter-table': {
      const { notices } = await alterTable(stmt, ctx, host.execContext().limits.resultRowsMax);
      for (const message of notices) yield { kind: 'notice', notice: { severity: 'NOTICE', code: '00000', message } };
      yield { kind: 'command-complete', tag: 'ALTER TABLE' };
      return;
    }
    case 'truncate':
      truncateTables(stmt, ctx);
      yield { kind: 'command-complete', tag: 'TRUNCATE TABLE' };
      return;
    case 'create-index':
      await createIndex(stmt, ctx);
      yield { kind: 'command-complete', tag: 'CREATE INDEX' };
      return;
    case 'drop-index':
      dropIndexes(stmt, ctx, (ref) => {
        const entry = host.lookupName(ref);
        if (entry === null || entry.kind !== 'index') return null;
        const table = open.view.table(entry.tableId);
        return table === null ? null : { table, indexId: entry.indexId };
      });
      yield { kind: 'command-complete', tag: 'DROP INDEX' };
      return;
    case 'create-enum':
      await createEnum(stmt, ctx);
      yield { kind: 'command-complete', tag: 'CREATE TYPE' };
      return;
    case 'drop-type':
      dropTypes(stmt, ctx, objects.typeDesc);
      yield { kind: 'command-complete', tag: 'DROP TYPE' };
      return;
    case 'create-sequence':
      await createSequence(stmt, ctx);
      yield { kind: 'command-complete', tag: 'CREATE SEQUENCE' };
      return;
    case 'drop-sequence':
      dropSequences(stmt, ctx, objects.sequenceDesc);
      yield { kind: 'command-complete', tag: 'DROP SEQUENCE' };
      return;
    case 'alter-sequence':
      alterSequenceOwner(stmt, ctx, objects.sequenceDesc);
      yield { kind: 'command-complete', tag: 'ALTER SEQUENCE' };
      return;
    case 'comment':
      commentOn(stmt, ctx);
      yield { kind: 'command-complete', tag: 'COMMENT' };
      return;
    case 'analyze':
      await analyzeTables(stmt, ctx);
      yield { kind: 'command-complete', tag: 'ANALYZE' };
      return;
  }
}
