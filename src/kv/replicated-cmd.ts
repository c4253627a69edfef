/**
 * What a range's Raft log carries (normal entries): evaluated write batches and lease
 * requests. Conf-change entries carry the new range descriptor as their context.
 * An empty entry (a new leader's) is no command.
 */
import { assert } from '../util/index.ts';
import { ByteReader, ByteWriter } from './codec.ts';
import { WriteBatch } from './engine.ts';
import { decodeLease, encodeLease, type Lease } from './lease.ts';

export type Command =
  /** An evaluated write batch, applied only under the lease it was evaluated under. */
  | { readonly kind: 'write'; readonly id: bigint; readonly leaseSeq: number; readonly batch: WriteBatch }
  | { readonly kind: 'lease'; readonly id: bigint; readonly request: Lease };

const FORMAT_WRITE = 1;
const FORMAT_LEASE = 2;

export function encodeCommand(cmd: Command): Uint8Array {
  switch (cmd.kind) {
    case 'write': {
      const w = new ByteWriter(32 + cmd.batch.byteSize + cmd.batch.size * 8);
      w.u8(FORMAT_WRITE).u64(cmd.id).u32(cmd.leaseSeq).u32(cmd.batch.size);
      for (const op of cmd.batch.ops()) {
        if (op.kind === 'put') w.u8(1).bytes(op.key).bytes(op.value);
        else w.u8(0).bytes(op.key);
      }
      return w.finish();
    }
    case 'lease': {
      const w = new ByteWriter(48);
      w.u8(FORMAT_LEASE).u64(cmd.id);
      encodeLease(cmd.request, w);
      return w.finish();
    }
  }
}

export function decodeCommand(data: Uint8Array): Command {
  const r = new ByteReader(data);
  const format = r.u8();
  const id = r.u64();
  if (format === FORMAT_LEASE) {
    const request = decodeLease(r);
    r.expectDone('lease command');
    return { kind: 'lease', id, request };
  }
  assert(format === FORMAT_WRITE, () => `unknown command format ${format}`);
  const leaseSeq = r.u32();
  const n = r.u32();
  const batch = new WriteBatch();
  for (let i = 0; i < n; i++) {
    const put = r.u8() === 1;
    const key = r.bytes();
    if (put) batch.put(key, r.bytes());
    else batch.del(key);
  }
  r.expectDone('write command');
  return { kind: 'write', id, leaseSeq, batch };
}

/** The command id without decoding the rest (to find a local proposal's own batch). */
export function commandId(data: Uint8Array): bigint {
  assert(data.length >= 9, 'command too short');
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(1);
}
