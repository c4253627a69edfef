/**
 * Narrowing helpers for libpg-query's JSON tree. The tree is read as `unknown` and checked
 * field by field, so a change in its shape fails loudly in the adapter, not deep inside
 * the planner.
 */
import { sqlError, type SqlError } from '../sql-error.ts';

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function num(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/** The single `{ NodeType: {...} }` wrapper of a node: its type name and body. */
export function unwrap(node: unknown): { readonly type: string; readonly body: JsonObject } {
  const o = obj(node);
  const keys = Object.keys(o);
  if (keys.length !== 1) return { type: 'unknown', body: o };
  const type = keys[0] as string;
  return { type, body: obj(o[type]) };
}

/** The strings of a list of `{String: {sval}}` nodes (names like ['pg_catalog', 'int4']). */
export function stringList(value: unknown): string[] {
  const out: string[] = [];
  for (const item of list(value)) {
    const { type, body } = unwrap(item);
    if (type === 'String') out.push(str(body['sval']) ?? '');
  }
  return out;
}

export function location(body: JsonObject): number {
  return num(body['location'], -1);
}

/** 0A000 with a message naming what is not supported, pointing at `pos` when known. */
export function unsupported(what: string, pos = -1): SqlError {
  const extra = pos >= 0 ? { position: pos + 1 } : {};
  return sqlError('0A000', `${what} is not supported`, extra);
}
