/**
 * CREATE TYPE ... AS ENUM, DROP TYPE, CREATE SEQUENCE / DROP SEQUENCE and identity column
 * options: libpg-query nodes -> Tessera statements.
 */
import type { SequenceOptions, Statement, TableRef } from './ast.ts';
import { list, location, obj, str, stringList, unwrap, type JsonObject } from './json.ts';

function qualified(names: readonly string[], pos: number): TableRef {
  return { schema: names.length > 1 ? (names[names.length - 2] ?? null) : null, name: names[names.length - 1] ?? '', alias: null, pos };
}

export function convertCreateEnum(body: JsonObject): Statement {
  return { kind: 'create-enum', name: qualified(stringList(body['typeName']), -1), labels: stringList(body['vals']) };
}

/** The objects of DROP TYPE (TypeName nodes) or DROP SEQUENCE (name lists). */
export function convertDropTypeOrSequence(body: JsonObject, removeType: 'OBJECT_TYPE' | 'OBJECT_SEQUENCE'): Statement {
  const names = list(body['objects']).map((o) => {
    const { type, body: b } = unwrap(o);
    return type === 'TypeName' ? qualified(stringList(b['names']), location(b)) : qualified(stringList(b['items']), -1);
  });
  const ifExists = body['missing_ok'] === true;
  if (removeType === 'OBJECT_TYPE') return { kind: 'drop-type', names, ifExists, cascade: body['behavior'] === 'DROP_CASCADE' };
  if (body['behavior'] === 'DROP_CASCADE') return { kind: 'unsupported', what: 'DROP SEQUENCE ... CASCADE', pos: -1 };
  return { kind: 'drop-sequence', names, ifExists };
}

export function convertCreateSequence(body: JsonObject): Statement {
  const rel = obj(body['sequence']);
  const name: TableRef = { schema: str(rel['schemaname']), name: str(rel['relname']) ?? '', alias: null, pos: location(rel) };
  const options = convertSequenceOptions(body['options']);
  if (options === null) return { kind: 'unsupported', what: 'this sequence option', pos: name.pos };
  return { kind: 'create-sequence', name, ifNotExists: body['if_not_exists'] === true, options };
}

/** ALTER SEQUENCE ... OWNED BY; other changes are 0A000. */
export function convertAlterSequence(body: JsonObject): Statement {
  const rel = obj(body['sequence']);
  const name: TableRef = { schema: str(rel['schemaname']), name: str(rel['relname']) ?? '', alias: null, pos: location(rel) };
  const options = list(body['options']).map((o) => unwrap(o).body);
  const owned = options.length === 1 && str(options[0]!['defname']) === 'owned_by' ? stringList(unwrap(options[0]!['arg']).body['items']) : null;
  if (owned === null || owned.length < 1) return { kind: 'unsupported', what: 'ALTER SEQUENCE other than OWNED BY', pos: name.pos };
  if (owned.length === 1 && owned[0]!.toLowerCase() === 'none') return { kind: 'alter-sequence', name, ownedBy: null };
  if (owned.length < 2) return { kind: 'unsupported', what: 'this OWNED BY', pos: name.pos };
  const column = owned[owned.length - 1]!;
  const table: TableRef = { schema: owned.length > 2 ? owned[owned.length - 3]! : null, name: owned[owned.length - 2]!, alias: null, pos: -1 };
  return { kind: 'alter-sequence', name, ownedBy: { table, column } };
}

/** Sequence options; null when one Tessera does not know is present. */
export function convertSequenceOptions(node: unknown): SequenceOptions | null {
  const o: { -readonly [K in keyof SequenceOptions]: SequenceOptions[K] } = { start: null, increment: null, minValue: null, maxValue: null, cycle: null, asType: null };
  for (const item of list(node)) {
    const d = unwrap(item).body;
    const arg = d['arg'] === undefined ? null : unwrap(d['arg']);
    const int = (): bigint | null => {
      if (arg === null) return null;
      if (arg.type === 'Integer') return BigInt(Number(arg.body['ival'] ?? 0));
      if (arg.type === 'Float') return BigInt(str(arg.body['fval']) ?? '0');
      return null;
    };
    switch (str(d['defname'])) {
      case 'start': o.start = int(); break;
      case 'increment': o.increment = int(); break;
      case 'minvalue': o.minValue = int(); break;
      case 'maxvalue': o.maxValue = int(); break;
      case 'cycle': o.cycle = arg !== null && arg.body['boolval'] === true; break;
      case 'cache': break;
      case 'as': o.asType = (stringList(unwrap(d['arg']).body['names']).filter((n) => n !== 'pg_catalog')[0] ?? '').toLowerCase(); break;
      case 'owned_by': case 'sequence_name': break;
      default: return null;
    }
  }
  return o;
}
