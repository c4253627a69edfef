/**
 * Range leases, expiration-based. A lease is replicated state of a range (changed only by
 * applying a `lease` command), so every replica agrees on who holds it. The decisions here
 * are pure: the driver passes the clock reading in.
 */
import { ByteReader, ByteWriter } from './codec.ts';
import type { NodeId } from './range-descriptor.ts';

export interface Lease {
  /** The node holding the lease; 0 for "no lease yet". */
  readonly holder: NodeId;
  /** Grows by one on every change of holder (extensions keep it). */
  readonly seq: number;
  /** Wall ns: the lease covers [start, expiration). */
  readonly start: bigint;
  readonly expiration: bigint;
}

export const NO_LEASE: Lease = { holder: 0 as NodeId, seq: 0, start: 0n, expiration: 0n };

export interface LeaseSettings {
  readonly leaseDurationMs: number;
  /** The holder stops serving this long before expiration: clocks may disagree by that much. */
  readonly maxClockOffsetMs: number;
}

const NS_PER_MS = 1_000_000n;

/**
 * Whether a replica applying a lease request takes it: the requester may extend its own
 * lease at any time (its sequence stays), and may take another node's lease only once it
 * has expired at the request's start (the sequence then grows). Deterministic: reads only
 * the applied lease and the request.
 */
export function decideLeaseApply(current: Lease, request: Lease): { readonly ok: true; readonly lease: Lease } | { readonly ok: false } {
  if (request.expiration <= request.start) return { ok: false };
  if (current.holder === request.holder && current.holder !== 0) {
    if (request.expiration <= current.expiration) return { ok: false }; // nothing gained (or reordered)
    return { ok: true, lease: { holder: current.holder, seq: current.seq, start: current.start, expiration: request.expiration } };
  }
  if (request.start < current.expiration) return { ok: false };
  return { ok: true, lease: { holder: request.holder, seq: current.seq + 1, start: request.start, expiration: request.expiration } };
}

export type LeaseState =
  /** This node holds it and may serve. */
  | 'valid'
  /** This node holds it but it is too close to expiry (or past): must not serve. */
  | 'stale'
  /** Another node holds a lease that has not expired. */
  | 'other'
  /** Nobody holds an unexpired lease: the Raft leader may take it. */
  | 'expired';

export function leaseState(settings: LeaseSettings, lease: Lease, self: NodeId, nowNs: bigint): LeaseState {
  const offset = BigInt(settings.maxClockOffsetMs) * NS_PER_MS;
  if (lease.holder === self && lease.holder !== 0) return nowNs < lease.expiration - offset ? 'valid' : nowNs < lease.expiration ? 'stale' : 'expired';
  return lease.holder !== 0 && nowNs < lease.expiration ? 'other' : 'expired';
}

export type LeaseAction = { readonly kind: 'none' } | { readonly kind: 'request'; readonly lease: Lease };

/**
 * What the replica should do about the lease now. Only the Raft leader requests: it
 * extends its own lease once less than half of the duration is left, and takes an expired
 * one. Requests start at `now` (an extension's start is ignored on apply).
 */
export function decideLeaseAction(settings: LeaseSettings, lease: Lease, self: NodeId, isRaftLeader: boolean, nowNs: bigint): LeaseAction {
  if (!isRaftLeader) return { kind: 'none' };
  const duration = BigInt(settings.leaseDurationMs) * NS_PER_MS;
  const request: LeaseAction = { kind: 'request', lease: { holder: self, seq: 0, start: nowNs, expiration: nowNs + duration } };
  if (lease.holder === self) return lease.expiration - nowNs < duration / 2n ? request : { kind: 'none' };
  return nowNs >= lease.expiration ? request : { kind: 'none' };
}

export function encodeLease(l: Lease, w: ByteWriter): void {
  w.u32(l.holder).u32(l.seq).u64(l.start).u64(l.expiration);
}

export function decodeLease(r: ByteReader): Lease {
  return { holder: r.u32() as NodeId, seq: r.u32(), start: r.u64(), expiration: r.u64() };
}
