/**
 * DO blocks. Tessera has no PL/pgSQL; it runs the one block shape that ORMs and migration
 * tools send to make DDL idempotent:
 *
 *   DO 'BEGIN <statements>; [EXCEPTION WHEN <condition> [OR ...] THEN NULL;] END'
 *
 * The statements run in order inside a savepoint; an error whose condition is listed rolls
 * back to it and is swallowed (the handler may only be NULL). Any other body is 0A000.
 */
import { sqlError } from '../sql-error.ts';

/** PostgreSQL's condition names for the errors such blocks catch, by SQLSTATE. */
const conditions: Readonly<Record<string, readonly string[]>> = {
  duplicate_object: ['42710'], duplicate_table: ['42P07'], duplicate_column: ['42701'], duplicate_schema: ['42P06'],
  duplicate_database: ['42P04'], duplicate_function: ['42723'], undefined_object: ['42704'], undefined_table: ['42P01'],
  undefined_column: ['42703'], unique_violation: ['23505'], invalid_schema_name: ['3F000'],
};

export interface DoBlock {
  /** The statements' text, for the SQL parser. */
  readonly statements: string;
  /** SQLSTATEs the EXCEPTION clause catches (empty: none). */
  readonly caught: readonly string[];
}

export function parseDoBlock(body: string, language: string): DoBlock {
  const unsupported = (): Error => sqlError('0A000', 'DO blocks are supported only as BEGIN <statements> [EXCEPTION WHEN <condition> THEN NULL;] END', { hint: 'Tessera has no PL/pgSQL.' });
  if (language !== 'plpgsql') throw unsupported();
  const m = /^\s*BEGIN\s+([\s\S]*?)\s*(?:EXCEPTION\s+WHEN\s+([\w\s]+?)\s+THEN\s+NULL\s*;\s*)?END\s*;?\s*$/i.exec(body);
  if (m === null) throw unsupported();
  const caught: string[] = [];
  for (const name of (m[2] ?? '').split(/\s+OR\s+/i).map((s) => s.trim().toLowerCase()).filter((s) => s !== '')) {
    const codes = conditions[name];
    if (codes === undefined) throw sqlError('0A000', `DO blocks cannot catch condition ${name} in Tessera`);
    caught.push(...codes);
  }
  return { statements: m[1]!, caught };
}
