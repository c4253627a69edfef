/**
 * pg_catalog and information_schema: virtual tables generated from the catalog at query
 * time, OIDs derived from descriptor ids, and the lookups the catalog functions use.
 */
export { virtualTable, isVirtualSchema, VIRTUAL_RELATIONS } from './registry.ts';
export { CatalogSnapshot, indexesOf, splitQualifiedName, type PgCatalog, type Relation } from './snapshot.ts';
export { quoteIdent } from './names.ts';
export { formatType, formatSqlType, builtinType } from './builtin-types.ts';
export { checkDef, constraintDef, foreignKeyDef, indexDef, deparseExpr } from './deparse.ts';
export { CHECK_CONSTRAINT_SLOT, decodeOid, descriptorOid, FOREIGN_KEY_CONSTRAINT_SLOT, roleOid } from './oids.ts';
export { BUILTIN_PROCS } from './procs.ts';
export { descriptionOf, PG_CLASS_OID, PG_NAMESPACE_OID, PG_TYPE_OID } from './descriptions.ts';
