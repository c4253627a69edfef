import { assertNever } from '../util/index.ts';
import { pointSpan, type BatchHeader, type KvRequest, type KvSpan } from './api.ts';
import { recordKeyOf } from './evaluate.ts';
import type { LatchSpan } from './latch-manager.ts';

/**
 * The user-key span a request addresses: what routing and the range bounds check use.
 * Txn-record requests address the txn's anchor key.
 */
export function requestAddressSpan(req: KvRequest, header: BatchHeader): KvSpan {
  switch (req.kind) {
    case 'get':
    case 'put':
    case 'conditional-put':
    case 'delete':
      return pointSpan(req.key);
    case 'scan':
    case 'refresh':
    case 'delete-range':
    case 'resolve-intent':
      return req.span;
    case 'end-txn':
    case 'heartbeat-txn':
      return pointSpan(header.txn?.anchorKey ?? new Uint8Array(0));
    case 'push-txn':
      return pointSpan(req.pushee.anchorKey);
    default:
      return assertNever(req, 'kv request');
  }
}

/** The latches a batch needs: reads share on their spans, writes exclude on theirs. */
export function batchLatchSpans(requests: readonly KvRequest[], header: BatchHeader): LatchSpan[] {
  const out: LatchSpan[] = [];
  for (const req of requests) {
    switch (req.kind) {
      case 'get':
      case 'scan':
      case 'refresh':
        out.push({ span: requestAddressSpan(req, header), write: req.kind !== 'refresh' && req.lock === true });
        break;
      case 'put':
      case 'conditional-put':
      case 'delete':
      case 'delete-range':
      case 'resolve-intent':
        out.push({ span: requestAddressSpan(req, header), write: true });
        break;
      case 'end-txn':
        if (header.txn !== null) out.push({ span: pointSpan(recordKeyOf(header.txn)), write: true });
        for (const span of req.lockSpans) out.push({ span, write: true });
        break;
      case 'heartbeat-txn':
        if (header.txn !== null) out.push({ span: pointSpan(recordKeyOf(header.txn)), write: true });
        break;
      case 'push-txn':
        out.push({ span: pointSpan(recordKeyOf(req.pushee)), write: true });
        break;
      default:
        assertNever(req, 'kv request');
    }
  }
  return out;
}
