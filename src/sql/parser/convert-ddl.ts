/**
 * libpg-query DDL nodes -> Tessera statements: ALTER TABLE (and the RENAME forms), CHECK
 * and FOREIGN KEY constraints, views, schemas and databases.
 */
import type { AlterAction, ColumnDef, Expr, FkAction, ForeignKeyRef, Statement, TableConstraint, TableRef } from './ast.ts';
import { convertExpr, convertTypeName } from './convert-expr.ts';
import { list, location, obj, str, stringList, unwrap, type JsonObject } from './json.ts';
import { convertSequenceOptions } from './convert-types.ts';

type Unsupported = Extract<Statement, { kind: 'unsupported' }>;

const fkActions: Readonly<Record<string, FkAction>> = { a: 'no-action', r: 'restrict', c: 'cascade', n: 'set-null', d: 'set-default' };

export function rangeVar(body: JsonObject): TableRef {
  const alias = str(obj(body['alias'])['aliasname']);
  return { schema: str(body['schemaname']), name: str(body['relname']) ?? '', alias, pos: location(body) };
}

/** A Constraint node's REFERENCES part. */
export function foreignKeyRef(c: JsonObject): ForeignKeyRef {
  return {
    table: rangeVar(obj(c['pktable'])),
    columns: stringList(c['pk_attrs']),
    onDelete: fkActions[str(c['fk_del_action']) ?? 'a'] ?? 'no-action',
    onUpdate: fkActions[str(c['fk_upd_action']) ?? 'a'] ?? 'no-action',
  };
}

/** CHECK and FOREIGN KEY table constraints (PRIMARY KEY / UNIQUE stay in convert-stmt). */
export function extraTableConstraint(b: JsonObject): TableConstraint | null {
  const pos = location(b);
  const name = str(b['conname']);
  switch (str(b['contype'])) {
    case 'CONSTR_CHECK':
      return { kind: 'check', name, expr: convertExpr(b['raw_expr']), pos };
    case 'CONSTR_FOREIGN':
      return { kind: 'foreign-key', name, columns: stringList(b['fk_attrs']), ref: foreignKeyRef(b), pos };
    default:
      return null;
  }
}

export function convertAlterTable(
  body: JsonObject,
  columnDef: (b: JsonObject) => ColumnDef | Unsupported,
  tableConstraint: (b: JsonObject) => TableConstraint | Unsupported,
): Statement {
  const cmds = list(body['cmds']).map((cmd) => unwrap(cmd).body);
  // ALTER TABLE/SEQUENCE/VIEW name OWNER TO role (pg_dump writes ALTER TABLE for all three).
  const owner = cmds.length === 1 && str(cmds[0]!['subtype']) === 'AT_ChangeOwner' ? str(obj(cmds[0]!['newowner'])['rolename']) : null;
  if (owner !== null) {
    const relation = rangeVar(obj(body['relation']));
    return { kind: 'alter-owner', objectType: 'relation', relation, name: relation.name, owner };
  }
  if (str(body['objtype']) !== 'OBJECT_TABLE') return { kind: 'unsupported', what: `ALTER ${(str(body['objtype']) ?? '').replace('OBJECT_', '')}`, pos: -1 };
  const actions: AlterAction[] = [];
  for (const cmd of list(body['cmds'])) {
    const c = unwrap(cmd).body;
    const action = convertAlterCmd(c, columnDef, tableConstraint);
    if ('what' in action) return action;
    actions.push(action);
  }
  return { kind: 'alter-table', table: rangeVar(obj(body['relation'])), ifExists: body['missing_ok'] === true, actions };
}

function convertAlterCmd(
  c: JsonObject,
  columnDef: (b: JsonObject) => ColumnDef | Unsupported,
  tableConstraint: (b: JsonObject) => TableConstraint | Unsupported,
): AlterAction | Unsupported {
  const name = str(c['name']) ?? '';
  const subtype = str(c['subtype']) ?? '';
  switch (subtype) {
    case 'AT_AddColumn': {
      const col = columnDef(unwrap(c['def']).body);
      if ('kind' in col) return col;
      return { kind: 'add-column', column: col, ifNotExists: c['missing_ok'] === true };
    }
    case 'AT_DropColumn':
      return { kind: 'drop-column', name, ifExists: c['missing_ok'] === true };
    case 'AT_ColumnDefault':
      return { kind: 'set-default', column: name, expr: c['def'] === undefined ? null : convertExpr(c['def']) };
    case 'AT_SetNotNull':
      return { kind: 'set-not-null', column: name, notNull: true };
    case 'AT_DropNotNull':
      return { kind: 'set-not-null', column: name, notNull: false };
    case 'AT_AlterColumnType': {
      const def = unwrap(c['def']).body;
      const using: Expr | null = def['raw_default'] === undefined ? null : convertExpr(def['raw_default']);
      return { kind: 'alter-type', column: name, type: convertTypeName(def['typeName']), using };
    }
    case 'AT_AddConstraint': {
      const constraint = tableConstraint(unwrap(c['def']).body);
      if ('what' in constraint) return constraint;
      return { kind: 'add-constraint', constraint };
    }
    case 'AT_DropConstraint':
      return { kind: 'drop-constraint', name, ifExists: c['missing_ok'] === true };
    case 'AT_AddIdentity': {
      const def = unwrap(c['def']).body;
      const options = convertSequenceOptions(def['options']);
      if (options === null) return { kind: 'unsupported', what: 'this identity option', pos: -1 };
      const seqName = list(def['options']).map((o) => unwrap(o).body).find((d) => str(d['defname']) === 'sequence_name');
      return { kind: 'add-identity', column: name, always: str(def['generated_when']) === 'a', sequenceName: seqName === undefined ? null : stringList(unwrap(seqName['arg']).body['items']), options };
    }
    default:
      return { kind: 'unsupported', what: `ALTER TABLE ${subtype.replace('AT_', '')}`, pos: -1 };
  }
}

export function convertRename(body: JsonObject): Statement {
  const table = rangeVar(obj(body['relation']));
  const to = str(body['newname']) ?? '';
  const ifExists = body['missing_ok'] === true;
  switch (str(body['renameType'])) {
    case 'OBJECT_TABLE':
      return { kind: 'alter-table', table, ifExists, actions: [{ kind: 'rename-table', to }] };
    case 'OBJECT_COLUMN':
      return { kind: 'alter-table', table, ifExists, actions: [{ kind: 'rename-column', from: str(body['subname']) ?? '', to }] };
    case 'OBJECT_TABCONSTRAINT':
      return { kind: 'alter-table', table, ifExists, actions: [{ kind: 'rename-constraint', from: str(body['subname']) ?? '', to }] };
    default:
      return { kind: 'unsupported', what: `ALTER ${(str(body['renameType']) ?? '').replace('OBJECT_', '')} ... RENAME`, pos: -1 };
  }
}

export function convertView(body: JsonObject, convertSelect: (node: unknown) => Statement): Statement {
  if (str(body['withCheckOption']) !== 'NO_CHECK_OPTION' && body['withCheckOption'] !== undefined) return { kind: 'unsupported', what: 'WITH CHECK OPTION', pos: -1 };
  const select = convertSelect(body['query']);
  if (select.kind !== 'select') return select.kind === 'unsupported' ? select : { kind: 'unsupported', what: 'this view query', pos: -1 };
  return { kind: 'create-view', view: rangeVar(obj(body['view'])), columnAliases: stringList(body['aliases']), select, orReplace: body['replace'] === true, queryTree: body['query'] };
}

export function convertCreateSchema(body: JsonObject): Statement {
  if (body['schemaElts'] !== undefined) return { kind: 'unsupported', what: 'CREATE SCHEMA with elements', pos: -1 };
  return { kind: 'create-schema', name: str(body['schemaname']) ?? '', ifNotExists: body['if_not_exists'] === true };
}

/** DROP VIEW / DROP SCHEMA; null for other object kinds. */
export function convertDropMore(body: JsonObject): Statement | null {
  const ifExists = body['missing_ok'] === true;
  switch (str(body['removeType'])) {
    case 'OBJECT_VIEW': {
      const views = list(body['objects']).map((o) => {
        const names = stringList(unwrap(o).body['items']);
        return { schema: names.length > 1 ? (names[names.length - 2] ?? null) : null, name: names[names.length - 1] ?? '', alias: null, pos: -1 };
      });
      return { kind: 'drop-view', views, ifExists, ...(str(body['behavior']) === 'DROP_CASCADE' ? { cascade: true } : {}) };
    }
    case 'OBJECT_SCHEMA':
      return { kind: 'drop-schema', names: list(body['objects']).map((o) => str(unwrap(o).body['sval']) ?? ''), ifExists, cascade: str(body['behavior']) === 'DROP_CASCADE' };
    default:
      return null;
  }
}

const commentKinds: Readonly<Record<string, 'table' | 'view' | 'sequence' | 'index'>> = {
  OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_SEQUENCE: 'sequence', OBJECT_INDEX: 'index',
};

/** COMMENT ON TABLE / VIEW / SEQUENCE / INDEX / COLUMN / SCHEMA / TYPE; other objects are 0A000. */
export function convertComment(body: JsonObject): Statement {
  const type = str(body['objtype']) ?? '';
  const text = str(body['comment']) ?? null;
  const object = unwrap(body['object']);
  const names = object.type === 'List' ? stringList(object.body['items']) : object.type === 'TypeName' ? stringList(object.body['names']) : [str(object.body['sval']) ?? ''];
  const ref = (parts: readonly string[]): TableRef => ({ schema: parts.length > 1 ? (parts[parts.length - 2] ?? null) : null, name: parts[parts.length - 1] ?? '', alias: null, pos: -1 });
  const relation = commentKinds[type];
  if (relation !== undefined) return { kind: 'comment', target: { kind: relation, ref: ref(names) }, text };
  switch (type) {
    case 'OBJECT_COLUMN':
      if (names.length < 2) return { kind: 'unsupported', what: 'COMMENT ON COLUMN without a table', pos: -1 };
      return { kind: 'comment', target: { kind: 'column', ref: ref(names.slice(0, -1)), column: names[names.length - 1] ?? '' }, text };
    case 'OBJECT_SCHEMA':
      return { kind: 'comment', target: { kind: 'schema', name: names[0] ?? '' }, text };
    case 'OBJECT_TYPE':
      return { kind: 'comment', target: { kind: 'type', ref: ref(names) }, text };
    default:
      return { kind: 'unsupported', what: `COMMENT ON ${type.replace('OBJECT_', '').replace('_', ' ')}`, pos: -1 };
  }
}
