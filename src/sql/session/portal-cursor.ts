/**
 * A portal's running statement, held open between Executes. The executor pulls one batch
 * at a time, so an Execute with a row limit computes only about the rows it returns (plus
 * the rest of the last batch, kept here), and a client that fetches 100 rows of a huge
 * table with pg-cursor does not make the node read the whole table first.
 */
import type { FormattedRow, QueryEvent } from '../session.ts';

export class PortalCursor {
  /** Rows of the last batch that did not fit the previous Execute's limit. */
  private buffered: FormattedRow[] = [];
  private running: AsyncGenerator<QueryEvent> | null = null;
  /** Set once the statement has completed: its command tag. */
  private doneTag: string | null = null;
  /** An Execute with a row limit has run: later tags count the rows of one Execute, as PostgreSQL's do. */
  private limited = false;

  constructor(private readonly start: () => AsyncGenerator<QueryEvent>) {}

  /** True once the statement has started and neither completed nor been closed. */
  get isOpen(): boolean {
    return this.running !== null;
  }

  /**
   * Runs the portal for up to `maxRows` rows (0 = all). Ends with 'portal-suspended' when
   * the limit was reached before the statement completed, else with 'command-complete'.
   * An error from the statement closes the cursor and propagates.
   */
  async *fetch(maxRows: number): AsyncGenerator<QueryEvent> {
    const limit = maxRows > 0 ? maxRows : Number.POSITIVE_INFINITY;
    if (maxRows > 0) this.limited = true;
    let sent = 0;
    if (this.buffered.length > 0) {
      const rows = this.buffered.splice(0, Math.min(limit, this.buffered.length));
      sent += rows.length;
      yield { kind: 'rows', rows };
    }
    if (this.doneTag === null && this.running === null && sent < limit) this.running = this.start();
    try {
      while (sent < limit && this.running !== null) {
        const r = await this.running.next();
        if (r.done === true) {
          this.running = null;
          break;
        }
        const e = r.value;
        if (e.kind === 'rows') {
          const take = Math.min(limit - sent, e.rows.length);
          if (take < e.rows.length) {
            this.buffered = e.rows.slice(take);
            yield { kind: 'rows', rows: e.rows.slice(0, take) };
          } else if (take > 0) yield e;
          sent += take;
        } else if (e.kind === 'command-complete') {
          this.doneTag = e.tag;
          await this.close();
        } else if (e.kind !== 'row-description') {
          yield e;
        }
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.doneTag !== null && this.buffered.length === 0) {
      yield { kind: 'command-complete', tag: this.limited && this.doneTag.startsWith('SELECT ') ? `SELECT ${sent}` : this.doneTag };
    } else {
      yield { kind: 'portal-suspended' };
    }
  }

  /** Stops the statement (its generator's finally blocks run); idempotent. */
  async close(): Promise<void> {
    const running = this.running;
    this.running = null;
    this.buffered = [];
    if (running !== null) await running.return(undefined);
  }
}
