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

/** Query strings the parser remembers (the simple protocol re-sends the same text). */
export const PARSE_CACHE_ENTRIES_MAX = 1_000;
/** Longer strings are parsed every time (bulk INSERTs are rarely repeated). */
export const PARSE_CACHE_TEXT_MAX = 4_096;

/**
 * Loads the WASM parser; call once at start-up and share the result. Results for short
 * query strings are cached (least recently used go first): libpg-query's parse plus our
 * conversion is the largest cost of a simple-protocol `SELECT 1`. Cached trees are
 * frozen, so code that would mutate a shared tree fails loudly instead of corrupting it.
 */
export async function createParser(): Promise<Parser> {
  await loadModule();
  const cache = new Map<string, readonly ParsedStatement[]>();
  return {
    parse(sql: string): ParsedStatement[] {
      if (sql.length > PARSE_CACHE_TEXT_MAX) return parseStatements(sql);
      let hit = cache.get(sql);
      if (hit !== undefined) {
        cache.delete(sql); // most recently used goes last
      } else {
        hit = deepFreeze(parseStatements(sql)); // a syntax error throws and is not cached
        if (cache.size >= PARSE_CACHE_ENTRIES_MAX) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, hit);
      return [...hit];
    },
  };
}

function deepFreeze<T>(value: T): T {
  // Typed arrays cannot be frozen; the tree holds none today, and would keep them as they are.
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
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
