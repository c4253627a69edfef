/**
 * Parameters of the extended protocol: declared types and decoding of bound values.
 */
import { sqlError } from '../sql-error.ts';
import { parseValue, type FormatContext } from '../types/text-io.ts';
import { typeFromOid, type SqlType, type Value } from '../types/types.ts';
import { decodeBinary } from './binary-io.ts';

/**
 * Types a client may declare that the SQL layer does not have yet: refused clearly (0A000)
 * rather than read as text, because their binary forms are not text.
 */
const unsupportedParamTypes: ReadonlyMap<number, string> = new Map([
  [114, 'json'], [3802, 'jsonb'], [1186, 'interval'], [1083, 'time'], [1266, 'timetz'], [1560, 'bit'], [1562, 'varbit'],
  [1000, 'boolean[]'], [1001, 'bytea[]'], [1005, 'smallint[]'], [1007, 'integer[]'], [1016, 'bigint[]'], [1009, 'text[]'], [1015, 'varchar[]'],
  [1021, 'real[]'], [1022, 'double precision[]'], [1231, 'numeric[]'], [1182, 'date[]'], [1115, 'timestamp[]'], [1185, 'timestamptz[]'],
  [2951, 'uuid[]'], [199, 'json[]'], [3807, 'jsonb[]'], [1187, 'interval[]'],
]);

export function declaredParamType(oid: number): SqlType | null {
  const unsupported = unsupportedParamTypes.get(oid);
  if (unsupported !== undefined) throw sqlError('0A000', `parameters of type ${unsupported} are not supported yet`);
  return typeFromOid(oid);
}

export function decodeParam(raw: Uint8Array | null, type: SqlType, format: number, settings: FormatContext, index: number): Value {
  if (raw === null) return null;
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (format === 1) return decodeBinary(type, buf, index);
  if (format !== 0) throw sqlError('08P01', `unsupported format code: ${format}`);
  return parseValue(type, buf.toString('utf8'), settings);
}

