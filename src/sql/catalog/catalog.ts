/**
 * The catalog: databases, schemas, tables (with columns and indexes) and roles, stored in
 * KV under /system and cached in memory for the whole node.
 *
 * Reads never touch KV: the cache is loaded once at start and every change made through
 * this node is applied to it when the changing transaction commits (single node for now;
 * a lease/version protocol replaces this when several nodes run DDL). Changes made inside
 * an open transaction live in that transaction's `CatalogChanges` overlay, so the
 * transaction sees its own DDL and nobody else does until commit.
 */
import { assert } from '../../util/index.ts';
import type { Txn, TxnCoordinator } from '../../txn/index.ts';
import { bootstrapKey, descriptorCounterKey, descriptorKey, descriptorSpan, namespaceKey, privilegeSpan, roleKey, roleSpan, statsKey, statsSpan } from '../storage/keys.ts';
import type { DatabaseDesc, Descriptor, NamespaceEntry, PrivilegeDesc, RoleDesc, SchemaDesc, SequenceDesc, TableDesc, TableStats, TypeDesc, ViewDesc } from './descriptors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}

const nsCacheKey = (db: number, schema: number, name: string): string => `${db}/${schema}/${name}`;

/** One transaction's uncommitted catalog changes (null = deleted). */
export class CatalogChanges {
  readonly descriptors = new Map<number, Descriptor | null>();
  readonly names = new Map<string, NamespaceEntry | null>();
  /** Roles by name and privilege records by object id (auth/), null = deleted. */
  readonly roles = new Map<string, RoleDesc | null>();
  readonly privileges = new Map<number, PrivilegeDesc | null>();
  /** Table statistics by table id (ANALYZE). */
  readonly stats = new Map<number, TableStats>();
  isEmpty(): boolean {
    return this.descriptors.size === 0 && this.names.size === 0 && this.roles.size === 0 && this.privileges.size === 0 && this.stats.size === 0;
  }
}

/** The first descriptor id handed to user objects; ids below are reserved for bootstrap. */
const FIRST_USER_ID = 100;

export class Catalog {
  private readonly descriptors = new Map<number, Descriptor>();
  private readonly names = new Map<string, NamespaceEntry>();
  private readonly databases = new Map<string, DatabaseDesc>();
  private readonly schemas = new Map<string, SchemaDesc>();
  private readonly roles = new Map<string, RoleDesc>();
  private readonly privileges = new Map<number, PrivilegeDesc>();
  /** Statistics by table id, stored apart from descriptors; put() attaches them to table descriptors. */
  private readonly stats = new Map<number, TableStats>();

  /** Creates the system objects once; later calls find the bootstrap marker and do nothing. */
  async bootstrap(txns: TxnCoordinator): Promise<void> {
    const txn = txns.begin();
    try {
      if ((await txn.get(bootstrapKey())) === null) {
        const changes = new CatalogChanges();
        const objects: Descriptor[] = [
          { kind: 'database', id: 1, version: 1, name: 'defaultdb' },
          { kind: 'database', id: 2, version: 1, name: 'postgres' },
          { kind: 'schema', id: 3, version: 1, name: 'public', databaseId: 1 },
          { kind: 'schema', id: 4, version: 1, name: 'public', databaseId: 2 },
        ];
        for (const d of objects) writeDescriptor(txn, changes, d);
        const root: RoleDesc = { name: 'root', superuser: true, login: true, createdb: true, createrole: true, inherit: true, passwordHash: null, memberOf: [] };
        txn.put(roleKey('root'), encodeJson(root));
        txn.put(descriptorCounterKey(), encodeJson(FIRST_USER_ID));
        txn.put(bootstrapKey(), encodeJson({ version: 1 }));
      }
      await txn.commit();
    } catch (err) {
      await txn.rollback();
      throw err;
    }
    await this.load(txns);
  }

  /** (Re)loads the whole cache from KV. */
  async load(txns: TxnCoordinator): Promise<void> {
    const txn = txns.begin();
    try {
      const descs = await scanAll(txn, descriptorSpan());
      const roles = await scanAll(txn, roleSpan());
      const privileges = await scanAll(txn, privilegeSpan());
      const stats = await scanAll(txn, statsSpan());
      await txn.commit();
      this.descriptors.clear();
      this.names.clear();
      this.databases.clear();
      this.schemas.clear();
      this.roles.clear();
      this.privileges.clear();
      this.stats.clear();
      for (const v of stats) {
        const s = decodeJson(v) as TableStats & { readonly tableId: number };
        this.stats.set(s.tableId, { rows: s.rows, analyzedAt: s.analyzedAt });
      }
      for (const v of privileges) {
        const p = decodeJson(v) as PrivilegeDesc;
        this.privileges.set(p.objectId, p);
      }
      for (const v of descs) this.put(decodeJson(v) as Descriptor);
      for (const v of roles) {
        const role = decodeJson(v) as RoleDesc;
        this.roles.set(role.name, role);
      }
    } catch (err) {
      await txn.rollback();
      throw err;
    }
  }

  /** Applies a committed transaction's changes to the cache. */
  apply(changes: CatalogChanges): void {
    for (const [id, desc] of changes.descriptors) {
      const old = this.descriptors.get(id);
      if (old !== undefined) this.remove(old);
      if (desc !== null) this.put(desc);
    }
    for (const [name, role] of changes.roles) {
      if (role === null) this.roles.delete(name);
      else this.roles.set(name, role);
    }
    for (const [id, p] of changes.privileges) {
      if (p === null) this.privileges.delete(id);
      else this.privileges.set(id, p);
    }
    for (const [id, s] of changes.stats) {
      this.stats.set(id, s);
      const t = this.descriptors.get(id);
      if (t !== undefined && t.kind === 'table') this.descriptors.set(id, { ...t, stats: s }); // a new object: cached plans are made again
    }
  }

  private put(desc: Descriptor): void {
    if (desc.kind === 'table') {
      const s = this.stats.get(desc.id);
      if (s !== undefined) desc = { ...desc, stats: s };
    }
    this.descriptors.set(desc.id, desc);
    switch (desc.kind) {
      case 'database':
        this.databases.set(desc.name, desc);
        break;
      case 'schema':
        this.schemas.set(`${desc.databaseId}/${desc.name}`, desc);
        break;
      case 'table':
        this.names.set(nsCacheKey(desc.databaseId, desc.schemaId, desc.name), { kind: 'table', tableId: desc.id });
        for (const idx of desc.indexes) {
          this.names.set(nsCacheKey(desc.databaseId, desc.schemaId, idx.name), { kind: 'index', tableId: desc.id, indexId: idx.id });
        }
        break;
      case 'view':
        this.names.set(nsCacheKey(desc.databaseId, desc.schemaId, desc.name), { kind: 'view', viewId: desc.id });
        break;
      case 'type': case 'sequence':
        this.names.set(nsCacheKey(desc.databaseId, desc.schemaId, desc.name), objectEntry(desc));
        break;
    }
  }

  private remove(desc: Descriptor): void {
    this.descriptors.delete(desc.id);
    if (desc.kind === 'table') {
      this.names.delete(nsCacheKey(desc.databaseId, desc.schemaId, desc.name));
      for (const idx of desc.indexes) this.names.delete(nsCacheKey(desc.databaseId, desc.schemaId, idx.name));
    } else if (desc.kind === 'view') {
      this.names.delete(nsCacheKey(desc.databaseId, desc.schemaId, desc.name));
    } else if (desc.kind === 'schema') {
      this.schemas.delete(`${desc.databaseId}/${desc.name}`);
    } else {
      this.databases.delete(desc.name);
    }
    if (desc.kind === 'type' || desc.kind === 'sequence') this.names.delete(nsCacheKey(desc.databaseId, desc.schemaId, desc.name));
  }

  /** Every view of a schema. */
  viewsOf(schema: SchemaDesc): ViewDesc[] {
    return [...this.descriptors.values()].filter((d): d is ViewDesc => d.kind === 'view' && d.schemaId === schema.id);
  }

  /** Every schema of a database. */
  schemasOf(databaseId: number): SchemaDesc[] {
    return [...this.schemas.values()].filter((s) => s.databaseId === databaseId);
  }

  database(name: string): DatabaseDesc | null {
    return this.databases.get(name) ?? null;
  }

  schema(databaseId: number, name: string): SchemaDesc | null {
    return this.schemas.get(`${databaseId}/${name}`) ?? null;
  }

  role(name: string): RoleDesc | null {
    return this.roles.get(name) ?? null;
  }

  /** Every role's name, for DROP ROLE's dependency check and introspection. */
  roleNames(): string[] {
    return [...this.roles.keys()];
  }

  /** The owner and ACL record of an object, or null when it has none (defaults apply). */
  privilege(objectId: number): PrivilegeDesc | null {
    return this.privileges.get(objectId) ?? null;
  }

  /** Every privilege record, for DROP ROLE's dependency check. */
  privilegeRecords(): PrivilegeDesc[] {
    return [...this.privileges.values()];
  }

  descriptor(id: number): Descriptor | null {
    return this.descriptors.get(id) ?? null;
  }

  name(databaseId: number, schemaId: number, name: string): NamespaceEntry | null {
    return this.names.get(nsCacheKey(databaseId, schemaId, name)) ?? null;
  }

  /** Every committed descriptor (pg_catalog reads them, with a transaction's own changes over them). */
  descriptorList(): Descriptor[] {
    return [...this.descriptors.values()];
  }

  /** Every role, for pg_roles. */
  roleList(): RoleDesc[] {
    return [...this.roles.values()];
  }

  allDescriptors(): Iterable<Descriptor> {
    return this.descriptors.values();
  }

  /** Every table of a database, for introspection. */
  tables(databaseId: number): TableDesc[] {
    return [...this.descriptors.values()].filter((d): d is TableDesc => d.kind === 'table' && d.databaseId === databaseId);
  }
}

async function scanAll(txn: Txn, span: { startKey: Uint8Array; endKey: Uint8Array }): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let next: typeof span | null = span;
  while (next !== null) {
    const res = await txn.scan(next, { limit: 1000 });
    for (const kv of res.rows) out.push(kv.value);
    next = res.resumeSpan;
  }
  return out;
}

/**
 * The catalog as one transaction sees it: its own uncommitted changes over the shared
 * cache. Writes go to KV in `txn` and into the overlay.
 */
export class CatalogView {
  constructor(
    readonly catalog: Catalog,
    readonly changes: CatalogChanges,
  ) {}

  descriptor(id: number): Descriptor | null {
    const own = this.changes.descriptors.get(id);
    return own !== undefined ? own : this.catalog.descriptor(id);
  }

  table(id: number): TableDesc | null {
    const d = this.descriptor(id);
    return d !== null && d.kind === 'table' ? d : null;
  }

  /** Records table `tableId`'s statistics (ANALYZE): its own key, so no schema change conflicts with it. */
  writeStats(txn: Txn, tableId: number, stats: TableStats): void {
    txn.put(statsKey(tableId), encodeJson({ tableId, ...stats }));
    this.changes.stats.set(tableId, stats);
  }

  /** Whether this transaction has written (or dropped) descriptor `id`. */
  changedInTxn(id: number): boolean {
    return this.changes.descriptors.has(id);
  }

  /** Schema `name` as this transaction sees it: one it created, renamed or dropped included. */
  schema(databaseId: number, name: string): SchemaDesc | null {
    for (const d of this.changes.descriptors.values()) {
      if (d !== null && d.kind === 'schema' && d.databaseId === databaseId && d.name === name) return d;
    }
    const committed = this.catalog.schema(databaseId, name);
    // Changed in this transaction under another name (or dropped): not this name any more.
    return committed !== null && this.changes.descriptors.has(committed.id) ? null : committed;
  }

  name(databaseId: number, schemaId: number, name: string): NamespaceEntry | null {
    const own = this.changes.names.get(nsCacheKey(databaseId, schemaId, name));
    return own !== undefined ? own : this.catalog.name(databaseId, schemaId, name);
  }

  /** Every table of a database as this transaction sees it. */
  tables(databaseId: number): TableDesc[] {
    const out = new Map<number, TableDesc>();
    for (const t of this.catalog.tables(databaseId)) out.set(t.id, t);
    for (const [id, d] of this.changes.descriptors) {
      if (d === null) out.delete(id);
      else if (d.kind === 'table' && d.databaseId === databaseId) out.set(id, d);
    }
    return [...out.values()];
  }

  /** Tables with a foreign key that references `table` (itself included). */
  referencing(table: TableDesc): TableDesc[] {
    return this.tables(table.databaseId).filter((t) => (t.foreignKeys ?? []).some((f) => f.refTableId === table.id));
  }

  /** A fresh descriptor id from the KV counter (conflicts between concurrent DDL become 40001). */
  async allocateId(txn: Txn): Promise<number> {
    const raw = await txn.get(descriptorCounterKey());
    assert(raw !== null, 'descriptor counter missing: catalog not bootstrapped');
    const id = decodeJson(raw) as number;
    txn.put(descriptorCounterKey(), encodeJson(id + 1));
    return id;
  }

  /** Reads the namespace key in `txn`, so that two transactions creating one name conflict. */
  async claimName(txn: Txn, databaseId: number, schemaId: number, name: string): Promise<boolean> {
    if (this.name(databaseId, schemaId, name) !== null) return false;
    return (await txn.get(namespaceKey(databaseId, schemaId, name))) === null;
  }

  writeTable(txn: Txn, desc: TableDesc, previous: TableDesc | null): void {
    if (previous !== null) this.removeNames(txn, previous);
    writeDescriptor(txn, this.changes, desc);
    this.setName(txn, desc, desc.name, { kind: 'table', tableId: desc.id });
    for (const idx of desc.indexes) this.setName(txn, desc, idx.name, { kind: 'index', tableId: desc.id, indexId: idx.id });
  }

  view(id: number): ViewDesc | null {
    const d = this.descriptor(id);
    return d !== null && d.kind === 'view' ? d : null;
  }

  /**
   * Writes a database, schema, view, enum type or sequence descriptor, and the namespace entry
   * of those that have one (`previous`: a view's old version, replaced).
   */
  writeObject(txn: Txn, desc: DatabaseDesc | SchemaDesc | ViewDesc | TypeDesc | SequenceDesc, previous: ViewDesc | null = null): void {
    if (previous !== null) this.dropObject(txn, previous);
    writeDescriptor(txn, this.changes, desc);
    if (desc.kind === 'database' || desc.kind === 'schema') return;
    const entry: NamespaceEntry = desc.kind === 'view' ? { kind: 'view', viewId: desc.id } : objectEntry(desc);
    txn.put(namespaceKey(desc.databaseId, desc.schemaId, desc.name), encodeJson(entry));
    this.changes.names.set(nsCacheKey(desc.databaseId, desc.schemaId, desc.name), entry);
  }

  dropObject(txn: Txn, desc: DatabaseDesc | SchemaDesc | ViewDesc | TypeDesc | SequenceDesc): void {
    if (desc.kind !== 'database' && desc.kind !== 'schema') {
      txn.del(namespaceKey(desc.databaseId, desc.schemaId, desc.name));
      this.changes.names.set(nsCacheKey(desc.databaseId, desc.schemaId, desc.name), null);
    }
    txn.del(descriptorKey(desc.id));
    this.changes.descriptors.set(desc.id, null);
  }

  dropTable(txn: Txn, desc: TableDesc): void {
    this.removeNames(txn, desc);
    txn.del(descriptorKey(desc.id));
    txn.del(statsKey(desc.id));
    this.changes.descriptors.set(desc.id, null);
  }

  /** Views whose query reads relation `id`, as this transaction sees them. */
  dependentViews(id: number): ViewDesc[] {
    const out = new Map<number, ViewDesc>();
    for (const d of this.catalog.allDescriptors()) if (d.kind === 'view' && d.dependsOn?.includes(id) === true) out.set(d.id, d);
    for (const [vid, d] of this.changes.descriptors) {
      if (d === null) out.delete(vid);
      else if (d.kind === 'view' && d.dependsOn?.includes(id) === true) out.set(vid, d);
      else out.delete(vid);
    }
    return [...out.values()];
  }

  /** Sequences owned by a table's columns (serial and identity), as this transaction sees them. */
  ownedSequences(tableId: number): SequenceDesc[] {
    const out = new Map<number, SequenceDesc>();
    for (const d of this.catalog.allDescriptors()) if (d.kind === 'sequence' && d.ownedBy?.tableId === tableId) out.set(d.id, d);
    for (const [id, d] of this.changes.descriptors) {
      if (d === null) out.delete(id);
      else if (d.kind === 'sequence' && d.ownedBy?.tableId === tableId) out.set(id, d);
    }
    return [...out.values()];
  }

  private removeNames(txn: Txn, desc: TableDesc): void {
    for (const name of [desc.name, ...desc.indexes.map((i) => i.name)]) {
      txn.del(namespaceKey(desc.databaseId, desc.schemaId, name));
      this.changes.names.set(nsCacheKey(desc.databaseId, desc.schemaId, name), null);
    }
  }

  private setName(txn: Txn, desc: TableDesc, name: string, entry: NamespaceEntry): void {
    txn.put(namespaceKey(desc.databaseId, desc.schemaId, name), encodeJson(entry));
    this.changes.names.set(nsCacheKey(desc.databaseId, desc.schemaId, name), entry);
  }
}

function objectEntry(desc: TypeDesc | SequenceDesc): NamespaceEntry {
  return desc.kind === 'type' ? { kind: 'type', typeId: desc.id } : { kind: 'sequence', sequenceId: desc.id };
}

function writeDescriptor(txn: Txn, changes: CatalogChanges, desc: Descriptor): void {
  // Statistics live under their own key (statsKey), never in the stored descriptor.
  const stored = desc.kind === 'table' && desc.stats !== undefined ? (({ stats: _s, ...rest }) => rest)(desc) : desc;
  txn.put(descriptorKey(desc.id), encodeJson(stored));
  changes.descriptors.set(desc.id, desc);
}
