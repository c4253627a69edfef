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
  [1083, 'time'], [1266, 'timetz'], [1560, 'bit'], [1562, 'varbit'],
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

