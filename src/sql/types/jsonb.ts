/**
 * JSON values. `json` is stored as the text the client sent (validated); `jsonb` as a
 * normalised tree: numbers are exact `Numeric`s, object keys are unique (the last one
 * wins) and sorted as PostgreSQL sorts them (shorter keys first, then bytewise), so the
 * text output and equality follow from the tree.
 *
 * Ordering (jsonb btree): object > array > boolean > number > string > null; arrays and
 * objects with more elements are greater; then element by element (for objects, key then
 * value in key order). Errors: 22P02 for text that is not JSON.
 */
import { sqlError } from '../sql-error.ts';
import { Numeric } from './numeric.ts';

export type JsonNode = null | boolean | string | Numeric | JsonArray | JsonObject;

export class JsonArray {
  constructor(readonly items: readonly JsonNode[]) {}
}

export class JsonObject {
  /** `keys` are unique and in jsonb order (see compareKeys); `values[i]` belongs to `keys[i]`. */
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly JsonNode[],
  ) {}

  get(key: string): JsonNode | undefined {
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  /** Builds an object from pairs in any order; a repeated key keeps its last value. */
  static fromPairs(pairs: readonly (readonly [string, JsonNode])[]): JsonObject {
    const byKey = new Map<string, JsonNode>();
    for (const [k, v] of pairs) byKey.set(k, v);
    const keys = [...byKey.keys()].sort(compareKeys);
    return new JsonObject(keys, keys.map((k) => byKey.get(k)!));
  }
}

/** A jsonb value (the wrapper keeps JSON null apart from SQL NULL). */
export class Jsonb {
  constructor(readonly root: JsonNode) {}

  toString(): string {
    return formatJson(this.root);
  }
}

const utf8 = new TextEncoder();

/** jsonb key order: by length in bytes, then bytewise. */
export function compareKeys(a: string, b: string): number {
  const ab = utf8.encode(a);
  const bb = utf8.encode(b);
  if (ab.length !== bb.length) return ab.length - bb.length;
  for (let i = 0; i < ab.length; i++) if (ab[i] !== bb[i]) return ab[i]! - bb[i]!;
  return 0;
}

function rank(n: JsonNode): number {
  if (n === null) return 0;
  if (typeof n === 'string') return 1;
  if (n instanceof Numeric) return 2;
  if (typeof n === 'boolean') return 3;
  return n instanceof JsonArray ? 4 : 5;
}

export function compareJson(a: JsonNode, b: JsonNode): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (a instanceof Numeric) return a.compare(b as Numeric);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof JsonArray) {
    const bi = (b as JsonArray).items;
    if (a.items.length !== bi.length) return a.items.length - bi.length;
    for (let i = 0; i < bi.length; i++) {
      const c = compareJson(a.items[i]!, bi[i]!);
      if (c !== 0) return c;
    }
    return 0;
  }
  if (a instanceof JsonObject) {
    const o = b as JsonObject;
    if (a.keys.length !== o.keys.length) return a.keys.length - o.keys.length;
    for (let i = 0; i < a.keys.length; i++) {
      const k = compareKeys(a.keys[i]!, o.keys[i]!);
      if (k !== 0) return k;
      const c = compareJson(a.values[i]!, o.values[i]!);
      if (c !== 0) return c;
    }
  }
  return 0;
}

/** escape_json: quotes and escapes a string as PostgreSQL writes it in JSON. */
export function quoteJson(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20) {
      const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
      out += named[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** jsonb's text output: `{"a": 1, "b": [true, null]}`. */
export function formatJson(n: JsonNode): string {
  if (n === null) return 'null';
  if (typeof n === 'boolean') return n ? 'true' : 'false';
  if (typeof n === 'string') return quoteJson(n);
  if (n instanceof Numeric) return n.toString();
  if (n instanceof JsonArray) return `[${n.items.map(formatJson).join(', ')}]`;
  return `{${n.keys.map((k, i) => `${quoteJson(k)}: ${formatJson(n.values[i]!)}`).join(', ')}}`;
}

/** A recursive-descent JSON reader (numbers kept exact). */
class JsonReader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly typeName: string,
  ) {}

  fail(): never {
    throw sqlError('22P02', `invalid input syntax for type ${this.typeName}`, { detail: `Token near position ${this.pos + 1} is invalid.` });
  }

  skip(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(depth: number): JsonNode {
    if (depth > 6400) throw sqlError('54001', 'stack depth limit exceeded');
    this.skip();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (m === null) return this.fail();
    this.pos += m[0].length;
    return Numeric.fromString(m[0]) ?? this.fail();
  }

  object(depth: number): JsonObject {
    this.pos++;
    const pairs: [string, JsonNode][] = [];
    this.skip();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return new JsonObject([], []);
    }
    for (;;) {
      this.skip();
      if (this.text[this.pos] !== '"') this.fail();
      const key = this.string();
      this.skip();
      if (this.text[this.pos++] !== ':') this.fail();
      pairs.push([key, this.value(depth + 1)]);
      this.skip();
      const c = this.text[this.pos++];
      if (c === '}') return JsonObject.fromPairs(pairs);
      if (c !== ',') this.fail();
    }
  }

  array(depth: number): JsonArray {
    this.pos++;
    const items: JsonNode[] = [];
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return new JsonArray(items);
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skip();
      const c = this.text[this.pos++];
      if (c === ']') return new JsonArray(items);
      if (c !== ',') this.fail();
    }
  }

  string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) return this.fail();
      if (c === '"') return out;
      if (c.charCodeAt(0) < 0x20) this.fail();
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail();
        const code = parseInt(hex, 16);
        if (code === 0) throw sqlError('22P05', 'unsupported Unicode escape sequence', { detail: '\\u0000 cannot be converted to text.' });
        out += String.fromCharCode(code);
        this.pos += 4;
      } else this.fail();
    }
  }
}

/** Parses JSON text; 22P02 when it is not one JSON value. */
export function parseJson(text: string, typeName: 'json' | 'jsonb'): JsonNode {
  const r = new JsonReader(text, typeName);
  const v = r.value(0);
  r.skip();
  if (r.pos !== text.length) r.fail();
  return v;
}

/** A JSON-typed value's tree: json values are parsed from their text. */
export function jsonTree(v: string | Jsonb): JsonNode {
  return typeof v === 'string' ? parseJson(v, 'json') : v.root;
}

/** jsonb_typeof / json_typeof. */
export function jsonTypeof(n: JsonNode): string {
  if (n === null) return 'null';
  if (typeof n === 'boolean') return 'boolean';
  if (typeof n === 'string') return 'string';
  if (n instanceof Numeric) return 'number';
  return n instanceof JsonArray ? 'array' : 'object';
}

/** The text ->> and #>> return: strings unquoted, JSON null as SQL NULL, the rest as JSON. */
export function jsonAsText(n: JsonNode): string | null {
  if (n === null) return null;
  return typeof n === 'string' ? n : formatJson(n);
}

/** jsonb @> (containment), as PostgreSQL defines it for each kind. */
export function jsonContains(a: JsonNode, b: JsonNode): boolean {
  if (a instanceof JsonObject) {
    if (!(b instanceof JsonObject)) return false;
    return b.keys.every((k, i) => {
      const v = a.get(k);
      return v !== undefined && jsonContains(v, b.values[i]!);
    });
  }
  if (a instanceof JsonArray) {
    // An array contains a primitive on the top level; arrays contain arrays element-wise.
    if (b instanceof JsonArray) return b.items.every((x) => a.items.some((y) => (x instanceof JsonArray || x instanceof JsonObject ? jsonContains(y, x) : rank(x) === rank(y) && compareJson(x, y) === 0)));
    if (b instanceof JsonObject) return false;
    return a.items.some((y) => rank(b) === rank(y) && compareJson(b, y) === 0);
  }
  return !(b instanceof JsonArray || b instanceof JsonObject) && rank(a) === rank(b) && compareJson(a, b) === 0;
}

/** A text key equal for equal jsonb values (numbers by value: 1.0 and 1 are one key). */
export function jsonKey(n: JsonNode): string {
  if (n instanceof Numeric) return n.value.toString();
  if (n instanceof JsonArray) return `[${n.items.map(jsonKey).join(',')}]`;
  if (n instanceof JsonObject) return `{${n.keys.map((k, i) => `${quoteJson(k)}:${jsonKey(n.values[i]!)}`).join(',')}}`;
  return formatJson(n);
}

/** The members of a json text's top-level container, each as its raw text (json keeps it). */
export interface JsonRawChildren {
  readonly container: 'object' | 'array' | 'scalar';
  /** Keys of an object's members (duplicates kept, in text order); empty for arrays. */
  readonly keys: readonly string[];
  readonly raws: readonly string[];
}

export function jsonRawChildren(text: string): JsonRawChildren {
  const r = new JsonReader(text, 'json');
  r.skip();
  const open = text[r.pos];
  if (open !== '{' && open !== '[') return { container: 'scalar', keys: [], raws: [] };
  const close = open === '{' ? '}' : ']';
  const keys: string[] = [];
  const raws: string[] = [];
  r.pos++;
  r.skip();
  if (text[r.pos] === close) return { container: open === '{' ? 'object' : 'array', keys, raws };
  for (;;) {
    r.skip();
    if (open === '{') {
      keys.push(r.string());
      r.skip();
      r.pos++; // ':'
      r.skip();
    }
    const start = r.pos;
    r.value(1);
    raws.push(text.slice(start, r.pos));
    r.skip();
    if (text[r.pos++] === close) return { container: open === '{' ? 'object' : 'array', keys, raws };
  }
}
