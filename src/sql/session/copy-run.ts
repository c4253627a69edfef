/**
 * COPY ... FROM STDIN and COPY ... TO STDOUT (text and CSV), run by the session.
 *
 * FROM STDIN: the session yields a 'copy-in' event whose sink wire feeds with CopyData;
 * rows are parsed as they arrive and inserted in batches of `copyInsertBatchRows` through
 * an ordinary planned INSERT, so memory stays bounded and back-pressure reaches the client
 * (wire awaits each write). Outside a transaction block the load commits every
 * `copyRowsPerTxnMax` rows: a failed load keeps the batches committed before the bad row,
 * and the error names the row's line. Inside a block everything is one transaction.
 *
 * TO STDOUT: `COPY t [(cols)]` is run as `SELECT cols FROM t`, `COPY (query)` as the query;
 * rows are streamed as CopyData, one message per batch.
 */
import { parseSync } from 'libpg-query';
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Parser } from '../parser/parse.ts';
import type { Statement, TableRef } from '../parser/ast.ts';
import { isObject, list, obj, str } from '../parser/json.ts';
import { sqlError, SqlError, type SqlErrorFields } from '../sql-error.ts';
import type { CopyInSink, QueryEvent } from '../session.ts';
import { parseValue, type FormatContext } from '../types/text-io.ts';
import type { SqlType, Value } from '../types/types.ts';
import { copyOptions, CopyReader, formatCopyRow, type CopyOptions, type CopyRow } from './copy-format.ts';
import type { Planned } from './planner.ts';

/** Rows per INSERT during COPY FROM: one plan and one KV batch per this many rows. */
export const copyInsertBatchRows = 500;
/** Rows per transaction of a COPY FROM outside a transaction block. */
export const copyRowsPerTxnMax = 10_000;

export interface CopyHost {
  readonly parser: Parser;
  readonly format: FormatContext;
  lookupTable(ref: TableRef): TableDesc | null;
  plan(stmt: Statement, declared: readonly (SqlType | null)[]): Planned;
  /** Runs a planned statement in the session's transaction (opening an implicit one). */
  run(stmt: Statement, planned: Planned, params: readonly Value[]): AsyncGenerator<QueryEvent>;
  inExplicitBlock(): boolean;
  /** Commits the implicit transaction so far (COPY's bounded transactions). */
  commitImplicit(): Promise<void>;
}

interface CopySpec {
  readonly table: TableRef | null;
  readonly columns: readonly string[] | null;
  readonly querySql: string | null;
  readonly from: boolean;
  readonly options: CopyOptions;
}

/** True when `text` is a COPY statement (the parser adapter reports COPY as unsupported). */
export function isCopy(text: string): boolean {
  return /^\s*copy\b/i.test(text);
}

function parseCopy(text: string): CopySpec {
  const root = obj(list(obj(parseSync(text))['stmts'])[0]);
  const copy = obj(obj(root['stmt'])['CopyStmt']);
  const from = copy['is_from'] === true;
  if (copy['filename'] !== undefined || copy['is_program'] === true) {
    throw sqlError('0A000', `COPY ${from ? 'FROM a file or program' : 'TO a file or program'} is not supported; use ${from ? 'FROM STDIN' : 'TO STDOUT'}`);
  }
  const raw = new Map<string, string>();
  for (const item of list(copy['options'])) {
    const def = obj(obj(item)['DefElem']);
    const arg = def['arg'];
    let value = 'true';
    if (isObject(arg)) {
      const s = obj(arg['String'])['sval'];
      const b = obj(arg['Boolean'])['boolval'];
      const i = obj(arg['Integer'])['ival'];
      value = typeof s === 'string' ? s : b !== undefined ? String(b === true) : i !== undefined ? String(i) : 'true';
    }
    raw.set(str(def['defname']) ?? '', value);
  }
  const rel = copy['relation'];
  const table = isObject(rel) ? { schema: str(rel['schemaname']) ?? null, name: str(rel['relname']) ?? '', alias: null, pos: -1 } : null;
  const columns = copy['attlist'] === undefined ? null : list(copy['attlist']).map((a) => str(obj(obj(a)['String'])['sval']) ?? '');
  return { table, columns, querySql: table === null ? innerQuery(text) : null, from, options: copyOptions(raw) };
}

/** The text between `COPY (` and its matching parenthesis, skipping quoted parts. */
function innerQuery(text: string): string {
  const open = text.indexOf('(');
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw sqlError('42601', 'syntax error in COPY query');
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export async function* runCopy(text: string, host: CopyHost): AsyncGenerator<QueryEvent> {
  const spec = parseCopy(text);
  if (spec.from) yield* copyFrom(spec, host);
  else yield* copyTo(spec, host);
}

function resolveTable(spec: CopySpec, host: CopyHost): { table: TableDesc; columns: TableDesc['columns'] } {
  const ref = spec.table!;
  const table = host.lookupTable(ref);
  if (table === null) throw sqlError('42P01', `relation "${ref.name}" does not exist`);
  const visible = table.columns.filter((c) => !c.hidden);
  if (spec.columns === null) return { table, columns: visible };
  const columns = spec.columns.map((name) => {
    const c = visible.find((col) => col.name === name);
    if (c === undefined) throw sqlError('42703', `column "${name}" of relation "${table.name}" does not exist`);
    return c;
  });
  return { table, columns };
}

async function* copyTo(spec: CopySpec, host: CopyHost): AsyncGenerator<QueryEvent> {
  let sql = spec.querySql;
  if (sql === null) {
    const { table, columns } = resolveTable(spec, host);
    const schema = spec.table?.schema ?? null;
    sql = `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${schema === null ? '' : `${quoteIdent(schema)}.`}${quoteIdent(table.name)}`;
  }
  const parsed = host.parser.parse(sql);
  if (parsed.length !== 1 || parsed[0]!.statement.kind !== 'select') throw sqlError('0A000', 'COPY (query) TO supports one SELECT');
  const stmt = parsed[0]!.statement;
  const planned = host.plan(stmt, []);
  const columnCount = planned.columns?.length ?? 0;
  yield { kind: 'copy-out', columnCount };
  const o = spec.options;
  if (o.header) yield { kind: 'copy-data', data: formatCopyRow((planned.columns ?? []).map((c) => c.name), o) };
  let count = 0;
  for await (const e of host.run(stmt, planned, [])) {
    if (e.kind !== 'rows') continue;
    let chunk = '';
    for (const row of e.rows) chunk += formatCopyRow(row as readonly (string | null)[], o);
    count += e.rows.length;
    if (chunk !== '') yield { kind: 'copy-data', data: chunk };
  }
  yield { kind: 'command-complete', tag: `COPY ${count}` };
}

async function* copyFrom(spec: CopySpec, host: CopyHost): AsyncGenerator<QueryEvent> {
  const { table, columns } = resolveTable(spec, host);
  const loader = new CopyLoader(table, spec.table?.schema ?? null, columns, spec.options, host);
  yield { kind: 'copy-in', columnCount: columns.length, sink: loader };
  const count = await loader.result();
  yield { kind: 'command-complete', tag: `COPY ${count}` };
}

/** The sink wire feeds: parses, converts and inserts rows; keeps the first error for the end. */
class CopyLoader implements CopyInSink {
  private readonly reader: CopyReader;
  private rows: CopyRow[] = [];
  private error: unknown = null;
  private failure: string | null = null;
  private ended = false;
  private inserted = 0;
  private insertedInTxn = 0;
  /** Input lines of the rows in the current implicit transaction (for errors at commit). */
  private txnFirstLine = 0;
  private txnLastLine = 0;
  private readonly plans = new Map<number, { stmt: Statement; planned: Planned }>();

  constructor(
    private readonly table: TableDesc,
    /** The schema COPY named the table with (null: found by search_path). */
    private readonly schema: string | null,
    private readonly columns: TableDesc['columns'],
    private readonly options: CopyOptions,
    private readonly host: CopyHost,
  ) {
    this.reader = new CopyReader(options);
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.error !== null || this.ended) return;
    try {
      for (const row of this.reader.push(data)) this.rows.push(row);
      while (this.rows.length >= copyInsertBatchRows) await this.insertBatch(this.rows.splice(0, copyInsertBatchRows));
    } catch (err) {
      this.error = err;
    }
  }

  end(failure: string | null): void {
    this.ended = true;
    this.failure = failure;
  }

  /** After `end`: inserts what is left and returns the row count, or throws the load's error. */
  async result(): Promise<number> {
    if (!this.ended) throw new Error('COPY sink read before the client finished');
    if (this.failure !== null) throw sqlError('57014', `COPY from stdin failed: ${this.failure}`);
    if (this.error === null) {
      try {
        for (const row of this.reader.finish()) this.rows.push(row);
        while (this.rows.length > 0) await this.insertBatch(this.rows.splice(0, copyInsertBatchRows));
        if (this.insertedInTxn > 0 && !this.host.inExplicitBlock()) await this.commit();
      } catch (err) {
        this.error = err;
      }
    }
    if (this.error !== null) throw this.error;
    return this.inserted;
  }

  private async insertBatch(batch: CopyRow[]): Promise<void> {
    const params: Value[] = [];
    for (const row of batch) {
      if (row.fields.length !== this.columns.length) {
        const what = row.fields.length < this.columns.length ? 'missing data for column' : 'extra data after last expected column';
        throw sqlError('22P04', row.fields.length < this.columns.length ? `${what} "${this.columns[row.fields.length]!.name}"` : what, { where: `COPY ${this.table.name}, line ${row.line}` });
      }
      row.fields.forEach((f, i) => {
        const col = this.columns[i]!;
        try {
          params.push(f === null ? null : parseValue(col.type, f, this.host.format));
        } catch (err) {
          if (!(err instanceof SqlError)) throw err;
          throw withWhere(err, `COPY ${this.table.name}, line ${row.line}, column ${col.name}: "${f}"`);
        }
      });
    }
    const { stmt, planned } = this.planFor(batch.length);
    try {
      for await (const e of this.host.run(stmt, planned, params)) void e;
    } catch (err) {
      if (!(err instanceof SqlError) || err.where !== undefined) throw err;
      throw withWhere(err, `COPY ${this.table.name}, lines ${batch[0]!.line}-${batch.at(-1)!.line}`);
    }
    if (this.insertedInTxn === 0) this.txnFirstLine = batch[0]!.line;
    this.txnLastLine = batch.at(-1)!.line;
    this.inserted += batch.length;
    this.insertedInTxn += batch.length;
    if (this.insertedInTxn >= copyRowsPerTxnMax && !this.host.inExplicitBlock()) await this.commit();
  }

  /** Commits COPY's implicit transaction; its rows' errors (say 23505) surface here. */
  private async commit(): Promise<void> {
    try {
      await this.host.commitImplicit();
    } catch (err) {
      if (!(err instanceof SqlError) || err.where !== undefined) throw err;
      throw withWhere(err, `COPY ${this.table.name}, lines ${this.txnFirstLine}-${this.txnLastLine}`);
    }
    this.insertedInTxn = 0;
  }

  private planFor(rowCount: number): { stmt: Statement; planned: Planned } {
    const cached = this.plans.get(rowCount);
    if (cached !== undefined) return cached;
    const n = this.columns.length;
    const tuples = Array.from({ length: rowCount }, (_, r) => `(${Array.from({ length: n }, (_c, i) => `$${r * n + i + 1}`).join(', ')})`);
    const target = this.schema === null ? quoteIdent(this.table.name) : `${quoteIdent(this.schema)}.${quoteIdent(this.table.name)}`;
    // COPY writes the given values into identity columns too, as in PostgreSQL.
    const sql = `INSERT INTO ${target} (${this.columns.map((c) => quoteIdent(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`;
    const stmt = this.host.parser.parse(sql)[0]!.statement;
    const declared = Array.from({ length: rowCount * n }, (_, i) => this.columns[i % n]!.type);
    const entry = { stmt, planned: this.host.plan(stmt, declared) };
    this.plans.set(rowCount, entry);
    return entry;
  }
}

/** `err` with PostgreSQL's CONTEXT set to `where` (the rest of its fields kept). */
function withWhere(err: SqlError, where: string): SqlError {
  return new SqlError({ ...err, message: err.message, severity: err.severity, where } as SqlErrorFields, { cause: err.cause });
}
