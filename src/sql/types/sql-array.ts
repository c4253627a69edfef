/**
 * One-dimensional arrays with lower bound 1 (what ARRAY[...] and '{...}' build). Text
 * form as array_out writes it: `{1,2,NULL}`, elements double-quoted when they are empty,
 * NULL (any case), or contain braces, commas, quotes, backslashes or white space.
 *
 * Ordering (array_cmp): element by element, a NULL element greater than any value and
 * equal to another NULL; then the shorter array first. Multi-dimensional input is 0A000.
 */
import { sqlError } from '../sql-error.ts';
import type { Value } from './types.ts';

export class SqlArray {
  constructor(readonly items: readonly Value[]) {}
}

/** Quotes one element's text for array output when array_out would. */
export function quoteArrayElement(text: string): string {
  if (text !== '' && !/[{},"\\\s]/.test(text) && text.toLowerCase() !== 'null') return text;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Splits array text into element texts (null for an unquoted NULL). Errors: 22P02 for
 * malformed text, 0A000 for more than one dimension.
 */
export function splitArrayText(text: string, typeName: string): (string | null)[] {
  const bad = (detail: string): never => {
    throw sqlError('22P02', `malformed array literal: "${text}"`, { detail });
  };
  let t = text.trim();
  if (t.startsWith('[')) {
    const m = /^\[(-?\d+):(-?\d+)\]\s*=\s*/.exec(t);
    if (m === null) bad('"[" must introduce explicitly-specified array dimensions.');
    if (m![1] !== '1') throw sqlError('0A000', `arrays with a lower bound other than 1 are not supported (type ${typeName})`);
    t = t.slice(m![0].length);
  }
  if (!t.startsWith('{')) bad('Array value must start with "{" or dimension information.');
  if (!t.endsWith('}')) bad('Unexpected end of input.');
  const body = t.slice(1, -1);
  const out: (string | null)[] = [];
  if (body.trim() === '') return out;
  let i = 0;
  for (;;) {
    while (/\s/.test(body[i] ?? '')) i++;
    if (body[i] === '{') throw sqlError('0A000', 'multidimensional arrays are not supported');
    let value = '';
    let quoted = false;
    if (body[i] === '"') {
      quoted = true;
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i++] ?? '';
      }
      if (body[i] !== '"') bad('Unexpected end of input.');
      i++;
      while (/\s/.test(body[i] ?? '')) i++;
    } else {
      while (i < body.length && body[i] !== ',') {
        if (body[i] === '\\') i++;
        if (body[i] === '"' || body[i] === '{' || body[i] === '}') bad(`Unexpected "${body[i]!}" character.`);
        value += body[i++] ?? '';
      }
      value = value.replace(/\s+$/, '');
      if (value === '') bad('Unexpected "," character.');
    }
    out.push(!quoted && value.toLowerCase() === 'null' ? null : value);
    if (i >= body.length) return out;
    if (body[i] !== ',') bad(`Unexpected "${body[i]!}" character.`);
    i++;
  }
}
