// PGlite (PostgreSQL in WASM) as the oracle: results in PostgreSQL's text format, exactly
// as a client of the simple query protocol sees them, so they compare with Tessera's.
import { PGlite } from '@electric-sql/pglite';

export interface OracleResult {
  readonly rows: (string | null)[][];
  readonly columns: number;
}

export class OracleError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

// Every type's text is kept as sent: PGlite looks parsers up by type OID (merged with its
// defaults by key), so the identity function for every built-in OID turns parsing off.
const rawParsers: Record<number, (text: string) => string> = {};
for (let oid = 0; oid < 10000; oid++) rawParsers[oid] = (text) => text;

export class Oracle {
  private constructor(private readonly db: PGlite) {}

  static async open(): Promise<Oracle> {
    const db = await PGlite.create();
    return new Oracle(db);
  }

  /** Runs one statement (simple protocol); the last result set's rows as text. */
  async run(sql: string): Promise<OracleResult> {
    try {
      const results = await this.db.exec(sql, { rowMode: 'array', parsers: rawParsers });
      const last = results[results.length - 1];
      const rows = (last?.rows ?? []) as unknown as (string | null)[][];
      return { rows: rows.map((r) => r.map((v) => (v === null ? null : String(v)))), columns: last?.fields.length ?? 0 };
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      if (typeof e.code === 'string') throw new OracleError(e.code, String(e.message));
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
