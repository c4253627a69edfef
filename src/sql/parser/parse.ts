/**
 * The parser adapter: PostgreSQL's own grammar (libpg-query 18.1.5, compiled to WASM)
 * behind a small interface. The WASM module loads once, asynchronously, in `createParser`;
 * after that parsing is synchronous. See docs/decisions/0001-libpg-query.md.
 */
import { loadModule, parseSync } from 'libpg-query';
import { sqlError, SqlError } from '../sql-error.ts';
import type { ParsedStatement } from './ast.ts';
import { convertStatement } from './convert-stmt.ts';
import { isObject, list, num, obj } from './json.ts';

export interface Parser {
  /**
   * Parses a query string into its statements, in order. An empty string (or only
   * comments and semicolons) gives an empty array. Throws SqlError 42601 with PostgreSQL's
   * message and 1-based position on a syntax error; never throws anything else for input
   * PostgreSQL accepts (unsupported constructs become 'unsupported' nodes).
   */
  parse(sql: string): ParsedStatement[];
}

/** Loads the WASM parser; call once at start-up and share the result. */
export async function createParser(): Promise<Parser> {
  await loadModule();
  return { parse: parseStatements };
}

function parseStatements(sql: string): ParsedStatement[] {
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch (err) {
    throw toSyntaxError(err, sql);
  }
  const out: ParsedStatement[] = [];
  for (const raw of list(obj(tree)['stmts'])) {
    const entry = obj(raw);
    const offset = num(entry['stmt_location'], 0);
    const length = num(entry['stmt_len'], sql.length - offset);
    out.push({
      statement: convertStatement(entry['stmt']),
      text: sql.slice(offset, offset + length),
      offset,
      paramCount: maxParam(entry['stmt']),
    });
  }
  return out;
}

/** libpg-query's errors carry `sqlDetails.cursorPosition`, 0-based; PostgreSQL reports 1-based. */
function toSyntaxError(err: unknown, sql: string): SqlError {
  const details = isObject(err) ? obj(err['sqlDetails']) : {};
  const message = err instanceof Error ? err.message : String(err);
  const cursor = num(details['cursorPosition'], -1);
  const position = cursor >= 0 ? Math.min(cursor, sql.length) + 1 : undefined;
  return sqlError('42601', message, position === undefined ? {} : { position });
}

/** The highest $n referenced anywhere in a raw statement tree. */
function maxParam(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((m: number, n) => Math.max(m, maxParam(n)), 0);
  if (!isObject(node)) return 0;
  let max = 0;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'ParamRef') max = Math.max(max, num(obj(value)['number'], 0));
    else if (typeof value === 'object') max = Math.max(max, maxParam(value));
  }
  return max;
}
