/**
 * Automatic ANALYZE: sessions report the rows each INSERT, UPDATE, DELETE (and so COPY)
 * changed; every `intervalMs` the tables whose changes on this node since their last count
 * exceed `threshold + fraction x rows` (PostgreSQL's autovacuum_analyze_threshold and
 * _scale_factor: 50 and 0.1) are counted again by an ANALYZE in an internal session, one
 * table at a time. The counts are in memory and per node: a restart or another node's
 * writes are noticed at the next changes here, and ANALYZE can always be run by hand.
 */
import type { Logger } from '../util/index.ts';
import type { Catalog } from './catalog/catalog.ts';
import type { Session } from './session.ts';

export interface AutoAnalyzeSettings {
  /** How often the change counts are looked at; 0 turns automatic ANALYZE off. */
  readonly intervalMs: number;
  readonly threshold: number;
  readonly fraction: number;
}

export const defaultAutoAnalyze: AutoAnalyzeSettings = { intervalMs: 10_000, threshold: 50, fraction: 0.1 };

export class AutoAnalyze {
  /** Rows changed per table id since the table was last counted (on this node). */
  private readonly changed = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly settings: AutoAnalyzeSettings,
    private readonly catalog: Catalog,
    /** An internal superuser session on the named database. */
    private readonly openSession: (database: string) => Promise<Session>,
    private readonly logger: Logger,
  ) {}

  /** A statement changed `rows` rows of table `tableId` (also when its transaction later rolls back). */
  note(tableId: number, rows: number): void {
    if (this.settings.intervalMs === 0 || rows <= 0) return;
    this.changed.set(tableId, (this.changed.get(tableId) ?? 0) + rows);
    if (this.timer === null) {
      this.timer = setInterval(() => void this.tick(), this.settings.intervalMs);
      this.timer.unref();
    }
  }

  /** The tables due for a count now. */
  due(): number[] {
    const out: number[] = [];
    for (const [id, n] of this.changed) {
      const t = this.catalog.descriptor(id);
      if (t === null || t.kind !== 'table') {
        this.changed.delete(id); // dropped
        continue;
      }
      if (n >= this.settings.threshold + this.settings.fraction * (t.stats?.rows ?? 0)) out.push(id);
    }
    return out;
  }

  /** Counts every due table; errors are logged and the table stays due. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const id of this.due()) {
        const t = this.catalog.descriptor(id);
        if (t === null || t.kind !== 'table') continue;
        const database = this.catalog.descriptor(t.databaseId);
        const schema = this.catalog.descriptor(t.schemaId);
        if (database?.kind !== 'database' || schema?.kind !== 'schema') continue;
        const pending = this.changed.get(id) ?? 0;
        try {
          const session = await this.openSession(database.name);
          try {
            for await (const _e of session.query(`ANALYZE ${quote(schema.name)}.${quote(t.name)}`)) {
              // drain
            }
          } finally {
            await session.close();
          }
          const left = (this.changed.get(id) ?? 0) - pending;
          if (left > 0) this.changed.set(id, left);
          else this.changed.delete(id);
          const counted = this.catalog.descriptor(id);
          this.logger.info({ table: `${schema.name}.${t.name}`, changed: pending, rows: counted?.kind === 'table' ? counted.stats?.rows : undefined }, 'automatic ANALYZE');
        } catch (err) {
          this.logger.debug({ table: `${schema.name}.${t.name}`, err: String(err) }, 'automatic ANALYZE failed; it stays due');
        }
      }
    } finally {
      this.running = false;
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
