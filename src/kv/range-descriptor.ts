import { assert } from '../util/index.ts';
import { compareBytes } from './bytes.ts';
import { ByteReader, ByteWriter } from './codec.ts';

export type RangeId = bigint & { readonly __brand: 'RangeId' };
export type NodeId = number & { readonly __brand: 'NodeId' };
export type StoreId = number & { readonly __brand: 'StoreId' };

export interface ReplicaDescriptor {
  readonly nodeId: NodeId;
  readonly storeId: StoreId;
  readonly replicaId: number;
}

/**
 * A range: the half-open key span [startKey, endKey) and where its replicas live. The
 * generation grows on every split, merge and replica change, so a stale copy is detectable.
 * Stored under /meta at metaKey(endKey) (addressing) and in the range-id-local space of
 * each replica (the replica's own copy).
 */
export interface RangeDescriptor {
  readonly rangeId: RangeId;
  readonly startKey: Uint8Array;
  readonly endKey: Uint8Array;
  readonly replicas: readonly ReplicaDescriptor[];
  readonly generation: bigint;
}

const FORMAT = 1;

export function encodeRangeDescriptor(d: RangeDescriptor): Uint8Array {
  assertDescriptor(d);
  const w = new ByteWriter(64 + d.startKey.length + d.endKey.length);
  w.u8(FORMAT).u64(d.rangeId).bytes(d.startKey).bytes(d.endKey).u64(d.generation).u32(d.replicas.length);
  for (const r of d.replicas) w.u32(r.nodeId).u32(r.storeId).u32(r.replicaId);
  return w.finish();
}

export function decodeRangeDescriptor(stored: Uint8Array): RangeDescriptor {
  const r = new ByteReader(stored);
  assert(r.u8() === FORMAT, 'unknown range descriptor format');
  const rangeId = r.u64() as RangeId;
  const startKey = r.bytes();
  const endKey = r.bytes();
  const generation = r.u64();
  const n = r.u32();
  const replicas: ReplicaDescriptor[] = [];
  for (let i = 0; i < n; i++) {
    replicas.push({ nodeId: r.u32() as NodeId, storeId: r.u32() as StoreId, replicaId: r.u32() });
  }
  r.expectDone('range descriptor');
  const d = { rangeId, startKey, endKey, replicas, generation };
  assertDescriptor(d);
  return d;
}

export function assertDescriptor(d: RangeDescriptor): void {
  assert(compareBytes(d.startKey, d.endKey) < 0, 'range descriptor: startKey must be below endKey');
  assert(d.replicas.length > 0, 'range descriptor without replicas');
}

/** True when `key` lies in [startKey, endKey). */
export function rangeContainsKey(d: RangeDescriptor, key: Uint8Array): boolean {
  return compareBytes(d.startKey, key) <= 0 && compareBytes(key, d.endKey) < 0;
}

/** True when the span [startKey, endKey) lies within the range. */
export function rangeContainsSpan(d: RangeDescriptor, startKey: Uint8Array, endKey: Uint8Array): boolean {
  return compareBytes(d.startKey, startKey) <= 0 && compareBytes(endKey, d.endKey) <= 0;
}
