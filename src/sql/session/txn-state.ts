/**
 * The transaction a session has open: the kv Txn, whether BEGIN opened it, whether an
 * error has poisoned it, its uncommitted catalog changes and the unique keys it wrote.
 */
import type { Txn, TxnCoordinator } from '../../txn/index.ts';
import { CatalogChanges, CatalogView, type Catalog } from '../catalog/catalog.ts';
import { errorCode } from '../errors.ts';
import { UniqueWrites } from '../exec/write.ts';

export class OpenTxn {
  failed = false;
  readonly changes = new CatalogChanges();
  readonly uniques = new UniqueWrites();
  readonly view: CatalogView;

  constructor(
    readonly txn: Txn,
    public explicit: boolean,
    readonly catalog: Catalog,
  ) {
    this.view = new CatalogView(catalog, this.changes);
  }

  static begin(txns: TxnCoordinator, catalog: Catalog, explicit: boolean, isolation: 'serializable' | 'read-committed' | null): OpenTxn {
    const txn = txns.begin({ implicit: !explicit, ...(isolation === null ? {} : { isolation }) });
    return new OpenTxn(txn, explicit, catalog);
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
