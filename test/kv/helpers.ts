import assert from 'node:assert/strict';
import {
  createLocalKv,
  openEngine,
  txnIdFromBytes,
  type BatchHeader,
  type KvRequest,
  type KvResponse,
  type KvError,
  type LocalKv,
  type Engine,
  type Timestamp,
  type TxnMeta,
} from '../../src/kv/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | null | undefined): string | null => (b === null || b === undefined ? null : new TextDecoder().decode(b));
/** A /table key for tests: 0x04 then the text. */
export const tk = (s: string): Uint8Array => Uint8Array.from([0x04, ...enc(s)]);
export const untk = (k: Uint8Array): string => new TextDecoder().decode(k.subarray(1));
export const ts = (wall: number, logical = 0): Timestamp => ({ wall: BigInt(wall), logical });

export function txn(n: number, anchor: string, writeTs: Timestamp): TxnMeta {
  const id = new Uint8Array(16);
  id[15] = n;
  return { id: txnIdFromBytes(id), anchorKey: tk(anchor), epoch: 0, writeTimestamp: writeTs };
}

export interface KvFixture {
  readonly clock: ManualClock;
  readonly engine: Engine;
  readonly kv: LocalKv;
  /** Sends through the DistSender; returns responses or the error. */
  send(header: Partial<BatchHeader> & { timestamp: Timestamp }, ...requests: KvRequest[]): Promise<readonly KvResponse[] | KvError>;
  close(): Promise<void>;
}

export async function kvFixture(engine?: Engine, clock = new ManualClock()): Promise<KvFixture> {
  const e = engine ?? (await openEngine({ memory: true }));
  const kv = await createLocalKv(testEnv(1, clock), e);
  return {
    clock,
    engine: e,
    kv,
    async send(header, ...requests) {
      const res = await kv.sender.send({ header: { txn: null, ...header }, requests });
      return res.ok ? res.responses : res.error;
    },
    async close() {
      await kv.close();
      await e.close();
    },
  };
}

export function ok(r: readonly KvResponse[] | KvError): readonly KvResponse[] {
  assert.ok(Array.isArray(r), `expected success, got ${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  return r;
}

export function err(r: readonly KvResponse[] | KvError): KvError {
  assert.ok(!Array.isArray(r), 'expected an error');
  return r as KvError;
}
