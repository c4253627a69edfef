import { assert } from '../util/index.ts';
import { fromHex, toHex } from './bytes.ts';
import { ByteReader, ByteWriter } from './codec.ts';
import type { Timestamp } from './timestamp.ts';

/** A transaction id: 32 lowercase hex characters (16 random bytes). */
export type TxnId = string & { readonly __brand: 'TxnId' };

export function txnIdFromBytes(bytes: Uint8Array): TxnId {
  assert(bytes.length === 16, 'txn id must be 16 bytes');
  return toHex(bytes) as TxnId;
}

export function txnIdBytes(id: TxnId): Uint8Array {
  assert(/^[0-9a-f]{32}$/.test(id), () => `bad txn id ${id}`);
  return fromHex(id);
}

/**
 * What every intent and request carries about its transaction. The anchor key addresses
 * the txn record (on the range holding the anchor); the write timestamp is where the
 * transaction's writes are provisionally placed.
 */
export interface TxnMeta {
  readonly id: TxnId;
  readonly anchorKey: Uint8Array;
  readonly epoch: number;
  readonly writeTimestamp: Timestamp;
}

export type TxnStatus = 'pending' | 'committed' | 'aborted';

/** The durable state of a transaction, stored at txnRecordKey(anchorKey, id). */
export interface TxnRecord {
  readonly txn: TxnMeta;
  readonly status: TxnStatus;
  /** Wall time (ns) of the last heartbeat; the record expires txnExpiryMs after it. */
  readonly lastHeartbeatWall: bigint;
}

/** A write intent: the lock-table entry for one key, with the provisional value. */
export interface Intent {
  readonly key: Uint8Array;
  readonly txn: TxnMeta;
  /** The provisional value; null is a provisional delete. */
  readonly value: Uint8Array | null;
}

const INTENT_FORMAT = 1;
const RECORD_FORMAT = 1;
const STATUS_CODES: readonly TxnStatus[] = ['pending', 'committed', 'aborted'];

function writeMeta(w: ByteWriter, txn: TxnMeta): void {
  w.bytes(txnIdBytes(txn.id)).bytes(txn.anchorKey).u32(txn.epoch).timestamp(txn.writeTimestamp);
}

function readMeta(r: ByteReader): TxnMeta {
  const id = txnIdFromBytes(r.bytes());
  const anchorKey = r.bytes();
  const epoch = r.u32();
  return { id, anchorKey, epoch, writeTimestamp: r.timestamp() };
}

/** Encodes an intent's stored value (the key is the lock-table key, not stored here). */
export function encodeIntentValue(txn: TxnMeta, value: Uint8Array | null): Uint8Array {
  const w = new ByteWriter(64 + (value?.length ?? 0) + txn.anchorKey.length);
  w.u8(INTENT_FORMAT);
  writeMeta(w, txn);
  if (value === null) w.u8(0);
  else w.u8(1).bytes(value);
  return w.finish();
}

export function decodeIntentValue(key: Uint8Array, stored: Uint8Array): Intent {
  const r = new ByteReader(stored);
  assert(r.u8() === INTENT_FORMAT, 'unknown intent format');
  const txn = readMeta(r);
  const value = r.u8() === 0 ? null : r.bytes();
  r.expectDone('intent');
  return { key, txn, value };
}

export function encodeTxnRecord(record: TxnRecord): Uint8Array {
  const w = new ByteWriter(64 + record.txn.anchorKey.length);
  w.u8(RECORD_FORMAT);
  writeMeta(w, record.txn);
  w.u8(STATUS_CODES.indexOf(record.status)).u64(record.lastHeartbeatWall);
  return w.finish();
}

export function decodeTxnRecord(stored: Uint8Array): TxnRecord {
  const r = new ByteReader(stored);
  assert(r.u8() === RECORD_FORMAT, 'unknown txn record format');
  const txn = readMeta(r);
  const status = STATUS_CODES[r.u8()];
  assert(status !== undefined, 'bad txn status');
  const lastHeartbeatWall = r.u64();
  r.expectDone('txn record');
  return { txn, status, lastHeartbeatWall };
}
