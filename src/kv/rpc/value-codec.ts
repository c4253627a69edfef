/**
 * A compact self-describing codec for plain data (what kv's batches are made of): null,
 * undefined, booleans, numbers, bigints, strings, byte arrays, arrays and plain objects.
 * Used to carry BatchRequest / BatchResponse between nodes without a codec per request
 * kind. Decoding trusts the structure only as far as the bytes go: a truncated or unknown
 * tag throws an RpcError ('rpc-protocol').
 */
import { BufReader, BufWriter } from './buf.ts';
import { RpcError } from './errors.ts';

const T_NULL = 0;
const T_UNDEFINED = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_UINT = 4;
const T_FLOAT = 5;
const T_BIGINT = 6;
const T_STRING = 7;
const T_BYTES = 8;
const T_ARRAY = 9;
const T_OBJECT = 10;
const T_NEG_BIGINT = 11;

export function encodeValue(v: unknown, w: BufWriter = new BufWriter(256)): Uint8Array {
  write(w, v);
  return w.finish();
}

function write(w: BufWriter, v: unknown): void {
  if (v === null) return void w.u8(T_NULL);
  switch (typeof v) {
    case 'undefined':
      return void w.u8(T_UNDEFINED);
    case 'boolean':
      return void w.u8(v ? T_TRUE : T_FALSE);
    case 'number':
      if (Number.isSafeInteger(v) && v >= 0) return void w.u8(T_UINT).uint(v);
      w.u8(T_FLOAT);
      return void w.bytes(new Uint8Array(Float64Array.of(v).buffer));
    case 'bigint':
      w.u8(v < 0n ? T_NEG_BIGINT : T_BIGINT);
      return void w.string((v < 0n ? -v : v).toString(16));
    case 'string':
      return void w.u8(T_STRING).string(v);
    case 'object':
      if (v instanceof Uint8Array) return void w.u8(T_BYTES).bytes(v);
      if (Array.isArray(v)) {
        w.u8(T_ARRAY).uint(v.length);
        for (const x of v as unknown[]) write(w, x);
        return;
      }
      {
        const entries = Object.entries(v as Record<string, unknown>);
        w.u8(T_OBJECT).uint(entries.length);
        for (const [k, x] of entries) {
          w.string(k);
          write(w, x);
        }
      }
      return;
    default:
      throw new RpcError('rpc-protocol', `cannot encode a ${typeof v}`, false);
  }
}

export function decodeValue(bytes: Uint8Array): unknown {
  const r = new BufReader(bytes);
  const v = read(r);
  r.expectDone('value');
  return v;
}

function read(r: BufReader): unknown {
  const tag = r.u8();
  switch (tag) {
    case T_NULL:
      return null;
    case T_UNDEFINED:
      return undefined;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_UINT:
      return r.uint();
    case T_FLOAT: {
      const b = r.bytes();
      return new Float64Array(b.slice().buffer)[0];
    }
    case T_BIGINT:
      return BigInt('0x' + r.string());
    case T_NEG_BIGINT:
      return -BigInt('0x' + r.string());
    case T_STRING:
      return r.string();
    case T_BYTES:
      return new Uint8Array(r.bytesView()); // a plain copy (not a Buffer view of the frame)
    case T_ARRAY: {
      const n = r.count('array');
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(read(r));
      return out;
    }
    case T_OBJECT: {
      const n = r.uint();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = r.string();
        const v = read(r);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    default:
      throw new RpcError('rpc-protocol', `unknown value tag ${tag}`, false);
  }
}
