/**
 * String and bytea functions beyond the basics in functions-more.ts: format, initcap,
 * translate, overlay, concat_ws, the regexp_* family, SIMILAR TO and LIKE ... ESCAPE
 * helpers, encode/decode, hashes, and bytea's own length, substring and byte access.
 * Returns null for a name it does not know, so the caller tries the next module.
 */
import { createHash } from 'node:crypto';
import { quoteIdent } from '../pgcatalog/index.ts';
import { sqlError } from '../sql-error.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayOf, isStringType, positionOf, T, typeDisplayName, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-expr.ts';
import type { BoundExpr } from './bound.ts';
import { compileRegex, likeWithEscape, parseRegexFlags, similarToRegex, translateReplacement } from './regex.ts';

const textArray = arrayOf(T.text);
const int = (v: Value): number => Number(v as bigint);
const bytes = (v: Value): Uint8Array => v as Uint8Array;

/** A string as an SQL literal: doubled quotes, and E'' with doubled backslashes when needed. */
export function quoteLiteral(s: string): string {
  return s.includes('\\') ? `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${s.replaceAll("'", "''")}'`;
}

function arityError(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/**
 * Any argument as text by its output function (the `"any"` parameters of concat, concat_ws
 * and format): the same as a cast to text except for booleans, which print as t / f.
 */
export function anyAsText(a: BoundExpr, binder: Binder, pos: number): BoundExpr {
  if (a.type.kind === 'bool') return strictCall('boolout', T.text, [a], (v) => (v === true ? 't' : 'f'));
  return a.type.kind === 'text' ? a : a.type.kind === 'unknown' || isStringType(a.type) ? binder.coerce(a, T.text, pos) : binder.cast(a, T.text, true, pos);
}

function initcap(s: string): string {
  let out = '';
  let inWord = false;
  for (const c of s) {
    const alnum = /[\p{L}\p{Nd}]/u.test(c);
    out += alnum ? (inWord ? c.toLowerCase() : c.toUpperCase()) : c;
    inWord = alnum;
  }
  return out;
}

function translate(s: string, from: string, to: string): string {
  const f = [...from];
  const t = [...to];
  let out = '';
  for (const c of s) {
    const i = f.indexOf(c);
    if (i < 0) out += c;
    else if (i < t.length) out += t[i];
  }
  return out;
}

/** format(fmt, args...): %s, %I, %L and %%, with n$ positions, the - flag and a width. */
function format(fmt: string, args: readonly Value[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') { out += c; continue; }
    const spec = /^(?:(\d+)\$)?(-)?(\d+|\*)?([sIL%])/.exec(fmt.slice(i + 1));
    if (spec === null) throw sqlError('22023', fmt[i + 1] === undefined ? 'unterminated format() type specifier' : `unrecognized format() type specifier "${fmt[i + 1]}"`);
    i += spec[0].length;
    const type = spec[4]!;
    if (type === '%') { out += '%'; continue; }
    let width = 0;
    if (spec[3] === '*') width = int(args[next++] ?? 0n);
    else if (spec[3] !== undefined) width = Number(spec[3]);
    const index = spec[1] === undefined ? next++ : Number(spec[1]) - 1;
    if (index < 0) throw sqlError('22023', 'format specifies argument 0, but arguments are numbered from 1');
    if (index >= args.length) throw sqlError('22023', 'too few arguments for format()');
    if (spec[1] !== undefined) next = index + 1;
    const v = args[index]!;
    let text: string;
    if (type === 's') text = v === null ? '' : (v as string);
    else if (type === 'I') {
      if (v === null) throw sqlError('22004', 'null values cannot be formatted as an SQL identifier');
      text = quoteIdent(v as string);
    } else text = v === null ? 'NULL' : quoteLiteral(v as string);
    const left = spec[2] === '-' || width < 0;
    const w = Math.abs(width);
    const n = [...text].length;
    out += n >= w ? text : left ? text + ' '.repeat(w - n) : ' '.repeat(w - n) + text;
  }
  return out;
}

function encode(b: Uint8Array, fmt: string): string {
  switch (fmt.toLowerCase()) {
    case 'hex': return Buffer.from(b).toString('hex');
    case 'base64': return (Buffer.from(b).toString('base64').match(/.{1,76}/g) ?? []).join('\n');
    case 'escape': {
      let out = '';
      for (const x of b) out += x === 0x5c ? '\\\\' : x === 0 || x >= 0x80 ? '\\' + x.toString(8).padStart(3, '0') : String.fromCharCode(x);
      return out;
    }
    default: throw sqlError('22023', `unrecognized encoding: "${fmt}"`);
  }
}

function decode(s: string, fmt: string): Uint8Array {
  switch (fmt.toLowerCase()) {
    case 'hex':
      if (!/^([0-9a-fA-F]{2}|\s)*$/.test(s)) throw sqlError('22023', 'invalid hexadecimal data: odd number of digits or invalid digit');
      return Buffer.from(s.replace(/\s+/g, ''), 'hex');
    case 'base64': return Buffer.from(s.replace(/\s+/g, ''), 'base64');
    case 'escape': {
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (s[i] === '\\' && s[i + 1] === '\\') { out.push(0x5c); i++; }
        else if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) { out.push(parseInt(s.slice(i + 1, i + 4), 8)); i += 3; }
        else if (s[i] === '\\') throw sqlError('22P02', 'invalid input syntax for type bytea');
        else out.push(...Buffer.from(s[i]!, 'utf8'));
      }
      return Uint8Array.from(out);
    }
    default: throw sqlError('22023', `unrecognized encoding: "${fmt}"`);
  }
}

function checkEncoding(name: string): void {
  if (!/^utf-?8$/i.test(name)) throw sqlError('22023', `invalid encoding name "${name}"`);
}

function byteIndex(b: Uint8Array, n: number): number {
  if (n < 0 || n >= b.length) throw sqlError('2202E', `index ${n} out of valid range, 0..${b.length - 1}`);
  return n;
}

/** unistr: \XXXX, \+XXXXXX, \uXXXX, \UXXXXXXXX escapes and \\ for a backslash. */
function unistr(s: string): string {
  return s.replace(/\\(\\|\+[0-9a-fA-F]{6}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-9a-fA-F]{4})|\\/g, (m, esc: string | undefined) => {
    if (esc === undefined) throw sqlError('22025', 'invalid Unicode escape', { hint: 'Unicode escapes must be \\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.' });
    if (esc === '\\') return '\\';
    return String.fromCodePoint(parseInt(esc.replace(/^[+uU]/, ''), 16));
  });
}

/** Substring of a bytea in bytes, with substr's rules for starts before 1. */
function byteSubstring(b: Uint8Array, start: number, count: number | null): Uint8Array {
  if (count !== null && count < 0) throw sqlError('22011', 'negative substring length not allowed');
  const from = Math.max(start, 1) - 1;
  const end = count === null ? b.length : Math.max(start + count - 1, 0);
  return b.slice(from, Math.max(from, end));
}

function textFunctions(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const text = (i: number): BoundExpr => binder.coerce(args[i]!, T.text, pos);
  const int4 = (i: number): BoundExpr => binder.coerce(args[i]!, T.int4, pos);
  const need = (lo: number, hi = lo): void => {
    if (args.length < lo || args.length > hi) throw arityError(name, args, pos);
  };
  switch (name) {
    case 'initcap': need(1); return strictCall(name, T.text, [text(0)], (s) => initcap(s as string));
    case 'translate': need(3); return strictCall(name, T.text, [text(0), text(1), text(2)], (s, f, t) => translate(s as string, f as string, t as string));
    case 'ascii': need(1); return strictCall(name, T.int4, [text(0)], (s) => BigInt((s as string).codePointAt(0) ?? 0));
    case 'chr':
      need(1);
      return strictCall(name, T.text, [int4(0)], (n) => {
        const code = int(n);
        if (code === 0) throw sqlError('54000', 'null character not permitted');
        if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw sqlError('54000', `requested character not valid for encoding: ${code}`);
        return String.fromCodePoint(code);
      });
    case 'concat_ws': {
      if (args.length < 1) throw arityError(name, args, pos);
      const sep = text(0);
      const parts = args.slice(1).map((a) => anyAsText(a, binder, pos));
      return call(name, T.text, [sep, ...parts], (row, ctx) => {
        const s = sep.eval(row, ctx);
        if (s === null) return null;
        return parts.map((p) => p.eval(row, ctx)).filter((v) => v !== null).join(s as string);
      });
    }
    case 'format': {
      if (args.length < 1) throw arityError(name, args, pos);
      const fmt = text(0);
      const parts = args.slice(1).map((a) => anyAsText(a, binder, pos));
      return call(name, T.text, [fmt, ...parts], (row, ctx) => {
        const f = fmt.eval(row, ctx);
        return f === null ? null : format(f as string, parts.map((p) => p.eval(row, ctx)));
      });
    }
    case 'overlay': {
      need(3, 4);
      if (args[0]!.type.kind === 'bytea') return null;
      const parts = [text(0), text(1), int4(2), ...(args.length === 4 ? [int4(3)] : [])];
      return strictCall(name, T.text, parts, (s, r, from, count) => {
        const xs = [...(s as string)];
        const f = int(from);
        const n = count === undefined ? [...(r as string)].length : int(count);
        if (f < 1 || n < 0) throw sqlError('22011', 'negative substring length not allowed');
        return xs.slice(0, f - 1).join('') + (r as string) + xs.slice(f - 1 + n).join('');
      });
    }
    case 'to_hex': {
      need(1);
      const a = args[0]!.type.kind === 'int8' ? args[0]! : int4(0);
      const bits = a.type.kind === 'int8' ? 64 : 32;
      return strictCall(name, T.text, [a], (v) => BigInt.asUintN(bits, v as bigint).toString(16));
    }
    case 'unistr': need(1); return strictCall(name, T.text, [text(0)], (s) => unistr(s as string));
    case 'normalize': {
      need(1, 2);
      const form = args.length === 2 ? text(1) : null;
      return strictCall(name, T.text, form === null ? [text(0)] : [text(0), form], (s, f = 'NFC') => {
        const nf = (f as string).toUpperCase();
        if (!['NFC', 'NFD', 'NFKC', 'NFKD'].includes(nf)) throw sqlError('22023', `invalid normalization form: ${f as string}`);
        return (s as string).normalize(nf);
      });
    }
    case 'like_escape': need(2); return strictCall(name, T.text, [text(0), text(1)], (p, e) => likeWithEscape(p as string, e as string));
    case 'similar_to_escape':
    case 'similar_escape': {
      need(1, 2);
      if (args.length === 1) return strictCall(name, T.text, [text(0)], (p) => similarToRegex(p as string, '\\'));
      const p = text(0);
      const e = text(1);
      return call(name, T.text, [p, e], (row, ctx) => {
        const pv = p.eval(row, ctx);
        return pv === null ? null : similarToRegex(pv as string, e.eval(row, ctx) as string | null);
      });
    }
    default:
      return null;
  }
}

function regexFunctions(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  if (!name.startsWith('regexp_')) return null;
  const typed = args.map((a, i) => binder.coerce(a, name === 'regexp_count' && i === 2 ? T.int4 : T.text, pos));
  const need = (lo: number, hi: number): void => {
    if (args.length < lo || args.length > hi) throw arityError(name, args, pos);
  };
  switch (name) {
    case 'regexp_replace':
      need(3, 4);
      return strictCall(name, T.text, typed, (s, p, r, f = '') => {
        const flags = parseRegexFlags(f as string);
        const re = compileRegex(p as string, flags.js + (flags.global ? 'g' : ''));
        return (s as string).replace(re, translateReplacement(r as string));
      });
    case 'regexp_match':
      need(2, 3);
      return strictCall(name, textArray, typed, (s, p, f = '') => {
        const flags = parseRegexFlags(f as string);
        if (flags.global) throw sqlError('22023', 'regexp_match() does not support the "global" option', { hint: 'Use the regexp_matches function instead.' });
        const m = compileRegex(p as string, flags.js).exec(s as string);
        if (m === null) return null;
        return new SqlArray(m.length > 1 ? m.slice(1).map((x) => x ?? null) : [m[0]]);
      });
    case 'regexp_split_to_array':
      need(2, 3);
      return strictCall(name, textArray, typed, (s, p, f = '') => {
        const flags = parseRegexFlags(f as string);
        if (flags.global) throw sqlError('22023', 'regexp_split_to_array() does not support the "global" option');
        return new SqlArray(splitByRegex(s as string, compileRegex(p as string, flags.js + 'g')));
      });
    case 'regexp_like':
      need(2, 3);
      return strictCall(name, T.bool, typed, (s, p, f = '') => compileRegex(p as string, parseRegexFlags(f as string).js).test(s as string));
    case 'regexp_count':
      need(2, 2);
      return strictCall(name, T.int4, typed, (s, p) => BigInt([...(s as string).matchAll(compileRegex(p as string, 'usg'))].length));
    case 'regexp_substr':
      need(2, 2);
      return strictCall(name, T.text, typed, (s, p) => compileRegex(p as string, 'us').exec(s as string)?.[0] ?? null);
    default:
      return null;
  }
}

/** PostgreSQL's split: empty matches at the very start and end do not make empty fields. */
export function splitByRegex(s: string, re: RegExp): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of s.matchAll(re)) {
    const at = m.index;
    if (m[0] === '' && (at === 0 || at >= s.length)) continue;
    out.push(s.slice(last, at));
    last = at + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}

function byteaFunctions(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const text = (i: number): BoundExpr => binder.coerce(args[i]!, T.text, pos);
  const bin = (i: number): BoundExpr => binder.coerce(args[i]!, T.bytea, pos);
  const int4 = (i: number): BoundExpr => binder.coerce(args[i]!, T.int4, pos);
  const need = (n: number): void => {
    if (args.length !== n) throw arityError(name, args, pos);
  };
  switch (name) {
    case 'encode': need(2); return strictCall(name, T.text, [bin(0), text(1)], (b, f) => encode(bytes(b), f as string));
    case 'decode': need(2); return strictCall(name, T.bytea, [text(0), text(1)], (s, f) => decode(s as string, f as string));
    case 'convert_to': need(2); return strictCall(name, T.bytea, [text(0), text(1)], (s, e) => (checkEncoding(e as string), Buffer.from(s as string, 'utf8')));
    case 'convert_from': need(2); return strictCall(name, T.text, [bin(0), text(1)], (b, e) => (checkEncoding(e as string), Buffer.from(bytes(b)).toString('utf8')));
    case 'md5': {
      need(1);
      const a = args[0]!.type.kind === 'bytea' ? args[0]! : text(0);
      return strictCall(name, T.text, [a], (v) => createHash('md5').update(typeof v === 'string' ? Buffer.from(v, 'utf8') : bytes(v)).digest('hex'));
    }
    case 'sha224': case 'sha256': case 'sha384': case 'sha512':
      need(1);
      return strictCall(name, T.bytea, [bin(0)], (b) => new Uint8Array(createHash(name).update(bytes(b)).digest()));
    case 'get_byte': need(2); return strictCall(name, T.int4, [bin(0), int4(1)], (b, n) => BigInt(bytes(b)[byteIndex(bytes(b), int(n))]!));
    case 'set_byte':
      need(3);
      return strictCall(name, T.bytea, [bin(0), int4(1), int4(2)], (b, n, v) => {
        const copy = Uint8Array.from(bytes(b));
        copy[byteIndex(copy, int(n))] = int(v) & 0xff;
        return copy;
      });
    default:
      return null;
  }
}

/**
 * Functions whose meaning depends on the argument type and that functions.ts resolves
 * here first: length, octet_length, bit_length, substring/substr of bytea and the
 * regular-expression form substring(text FROM pattern).
 */
export function bindTypedStringFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const first = args[0];
  if (first === undefined) return null;
  const isBytea = first.type.kind === 'bytea';
  switch (name) {
    case 'octet_length': case 'bit_length': {
      if (args.length !== 1) throw arityError(name, args, pos);
      // character(n) counts its padding here, unlike length().
      const a = isBytea || first.type.kind === 'bpchar' ? first : binder.coerce(first, T.text, pos);
      const scale = name === 'bit_length' ? 8n : 1n;
      return strictCall(name, T.int4, [a], (v) => scale * BigInt(typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : bytes(v).length));
    }
    case 'length':
      if (!isBytea || args.length !== 1) return null;
      return strictCall(name, T.int4, [first], (v) => BigInt(bytes(v).length));
    case 'substr': case 'substring': {
      if (isBytea && (args.length === 2 || args.length === 3)) {
        const rest = args.slice(1).map((a) => binder.coerce(a, T.int4, pos));
        return strictCall(name, T.bytea, [first, ...rest], (b, s, n) => byteSubstring(bytes(b), int(s), n === undefined ? null : int(n)));
      }
      const second = args[1];
      if (name !== 'substring' || second === undefined || !(second.type.kind === 'unknown' || isStringType(second.type))) return null;
      if (args.length === 2) {
        return strictCall(name, T.text, [binder.coerce(first, T.text, pos), binder.coerce(second, T.text, pos)], (s, p) => {
          const m = compileRegex(p as string, 'us').exec(s as string);
          return m === null ? null : m.length > 1 ? (m[1] ?? null) : m[0];
        });
      }
      // substring(s SIMILAR pattern ESCAPE e): the part between the two escape-double-quote marks.
      return strictCall(name, T.text, [first, second, args[2]!].map((a) => binder.coerce(a, T.text, pos)), (s, p, e) => similarSubstring(s as string, p as string, e as string));
    }
    default:
      return null;
  }
}

function similarSubstring(s: string, pattern: string, escape: string): string | null {
  const marker = `${escape}"`;
  const parts = pattern.split(marker);
  if (parts.length !== 3) return new RegExp(similarToRegex(pattern, escape), 'us').test(s) ? s : null;
  const [a, b, c] = parts.map((x) => similarToRegex(x, escape).slice(4, -2)) as [string, string, string];
  const m = new RegExp(`^(?:${a})(${b})(?:${c})$`, 'us').exec(s);
  return m === null ? null : (m[1] ?? null);
}

export function bindStringFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  return textFunctions(name, args, binder, pos) ?? regexFunctions(name, args, binder, pos) ?? byteaFunctions(name, args, binder, pos);
}
