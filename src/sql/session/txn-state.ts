/**
 * The transaction a session has open: the kv Txn, whether BEGIN opened it, whether an
 * error has poisoned it, its uncommitted catalog changes and the unique keys it wrote.
 */
import type { Txn, TxnCoordinator } from '../../txn/index.ts';
import { CatalogChanges, CatalogView, type Catalog } from '../catalog/catalog.ts';
import { errorCode } from '../errors.ts';
import { UniqueWrites } from '../exec/write.ts';
import { txnIsolationOf } from './settings.ts';

export class OpenTxn {
  failed = false;
  /** A statement ran in the txn (SET TRANSACTION ISOLATION LEVEL is refused after one). */
  queried = false;
  /** The level as SHOW transaction_isolation prints it. */
  isolationName: string;
  readonly changes = new CatalogChanges();
  readonly uniques = new UniqueWrites();
  readonly view: CatalogView;

  constructor(
    readonly txn: Txn,
    public explicit: boolean,
    readonly catalog: Catalog,
  ) {
    this.view = new CatalogView(catalog, this.changes);
    this.isolationName = txn.isolation === 'read-committed' ? 'read committed' : 'serializable';
  }

  /** `isolation` is the level BEGIN asked for, or (null) default_transaction_isolation's. */
  static begin(txns: TxnCoordinator, catalog: Catalog, explicit: boolean, isolation: 'serializable' | 'read-committed'): OpenTxn {
    const txn = txns.begin({ implicit: !explicit, isolation });
    return new OpenTxn(txn, explicit, catalog);
  }

  /** SET TRANSACTION ISOLATION LEVEL: `name` as SHOW prints it. */
  setIsolation(name: string): void {
    this.txn.setIsolation(txnIsolationOf(name));
    this.isolationName = name;
  }

  /** A statement starts: READ COMMITTED takes its fresh snapshot here. */
  beginStatement(): void {
    this.queried = true;
    this.txn.beginStatement();
  }

  /** Commits; a 'duplicate-key' from the final flush becomes the 23505 of the key's constraint. */
  async commit(): Promise<void> {
    try {
      await this.txn.commit();
    } catch (err) {
      await this.txn.rollback();
      throw this.explain(err);
    }
    if (!this.changes.isEmpty()) this.catalog.apply(this.changes);
  }

  async rollback(): Promise<void> {
    await this.txn.rollback();
  }

  /** Translates a duplicate-key failure; passes everything else through. */
  explain(err: unknown): unknown {
    if (errorCode(err) !== 'duplicate-key') return err;
    return this.uniques.explain((err as { key?: Uint8Array }).key);
  }
}
