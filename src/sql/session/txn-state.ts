/**
 * The transaction a session has open: the kv Txn, whether BEGIN opened it, whether an
 * error has poisoned it, its uncommitted catalog changes and the unique keys it wrote.
 */
import type { Txn, TxnCoordinator } from '../../txn/index.ts';
import { CatalogChanges, CatalogView, type Catalog } from '../catalog/catalog.ts';
import type { Descriptor, NamespaceEntry } from '../catalog/descriptors.ts';
import { sqlError } from '../sql-error.ts';
import { errorCode } from '../errors.ts';
import { UniqueWrites } from '../exec/write.ts';
import { txnIsolationOf } from './settings.ts';

export class OpenTxn {
  failed = false;
  /** A statement ran in the txn (SET TRANSACTION ISOLATION LEVEL is refused after one). */
  queried = false;
  /** Open savepoints, oldest first (names may repeat; the newest wins). */
  private readonly savepoints: { name: string; token: number; descriptors: Map<number, Descriptor | null>; names: Map<string, NamespaceEntry | null> }[] = [];
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

  /** SAVEPOINT name: remembers the txn's writes and catalog changes so far. */
  savepoint(name: string): void {
    const token = this.txn.savepoint();
    this.savepoints.push({ name, token, descriptors: new Map(this.changes.descriptors), names: new Map(this.changes.names) });
  }

  /** ROLLBACK TO SAVEPOINT name: undoes what came after it (it stays); clears the failed state. */
  async rollbackTo(name: string): Promise<void> {
    const i = this.findSavepoint(name);
    const sp = this.savepoints[i]!;
    await this.txn.rollbackToSavepoint(sp.token);
    this.changes.descriptors.clear();
    for (const [k, v] of sp.descriptors) this.changes.descriptors.set(k, v);
    this.changes.names.clear();
    for (const [k, v] of sp.names) this.changes.names.set(k, v);
    this.savepoints.length = i + 1;
    this.failed = false;
  }

  /** RELEASE SAVEPOINT name: forgets it and every later one; their effects stay. */
  release(name: string): void {
    this.savepoints.length = this.findSavepoint(name);
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i]!.name === name) return i;
    throw sqlError('3B001', `savepoint "${name}" does not exist`);
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
