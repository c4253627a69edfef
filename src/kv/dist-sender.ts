import { assert, AssertionError, assertNever } from '../util/index.ts';
import type { BatchRequest, BatchResponse, KvError, KvKeyValue, KvRequest, KvResponse, KvSpan, Sender } from './api.ts';
import { compareBytes, keyNext, maxKey, minKey } from './bytes.ts';
import { KEY_MAX, metaKey } from './keys.ts';
import { decodeRangeDescriptor, rangeContainsSpan, type RangeDescriptor } from './range-descriptor.ts';
import { RangeCache } from './range-cache.ts';
import { requestAddressSpan } from './request-span.ts';
import { TS_MAX } from './timestamp.ts';

export interface DistSenderDeps {
  /** Where to send batches for a range (today: the local store). */
  transportFor(desc: RangeDescriptor): Sender;
  /** The range that holds /meta. */
  firstRange(): RangeDescriptor;
  /** How to back off between routing retries (real timers when absent). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class RetryRouting {
  constructor(readonly stale: RangeDescriptor | null) {}
}

/**
 * Routes batches to ranges: looks up descriptors in /meta (through the range cache),
 * sends a batch that falls in one range as is, splits one that spans ranges (scans walk
 * the ranges in key order, or reverse, carrying the remaining limit), merges responses in
 * request order, and retries with a refreshed cache on range-key-mismatch.
 *
 * A batch split across ranges is not atomic; transactions get atomicity from intents. A
 * one-phase commit must fit in one range (the txn coordinator falls back otherwise).
 */
export class DistSender implements Sender {
  readonly cache: RangeCache;
  /** Meta lookups done (cache misses), for tests. */
  lookups = 0;

  constructor(
    private readonly deps: DistSenderDeps,
    private readonly config: { readonly rangeCacheEntriesMax: number; readonly rangeRetriesMax: number },
  ) {
    this.cache = new RangeCache(config.rangeCacheEntriesMax);
  }

  async send(ba: BatchRequest): Promise<BatchResponse> {
    assert(ba.requests.length > 0, 'empty batch');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.trySend(ba);
      } catch (err) {
        if (!(err instanceof RetryRouting)) throw err;
        if (err.stale !== null) this.cache.evict(err.stale);
        if (attempt >= this.config.rangeRetriesMax) {
          return { ok: false, error: { kind: 'range-key-mismatch', descriptor: null } };
        }
        // /meta may lag a split for a moment (its records are written right after): back
        // off a little from the second retry on (1, 2, 4 ... ms, at most 256 ms).
        if (attempt >= 1) await (this.deps.sleep ?? realSleep)(Math.min(256, 2 ** (attempt - 1)));
      }
    }
  }

  /** The descriptor of the range containing `key` (reverse: containing the keys just below it). */
  async lookupRange(key: Uint8Array, reverse = false): Promise<RangeDescriptor> {
    const cached = this.cache.lookup(key, reverse);
    if (cached !== undefined) return cached;
    this.lookups++;
    const first = this.deps.firstRange();
    // Descriptors are addressed by end key: the range holding `key` is the first with end > key.
    const startKey = reverse ? metaKey(key) : keyNext(metaKey(key));
    const res = await this.deps.transportFor(first).send({
      header: { timestamp: TS_MAX, txn: null, readConsistency: 'inconsistent', rangeId: first.rangeId },
      requests: [{ kind: 'scan', span: { startKey, endKey: keyNext(metaKey(KEY_MAX)) }, limit: 1 }],
    });
    assert(res.ok, () => `range lookup failed: ${JSON.stringify(res.ok ? null : res.error.kind)}`);
    const scan = res.responses[0];
    assert(scan !== undefined && scan.kind === 'scan' && scan.rows.length === 1, 'range lookup found no descriptor');
    const desc = decodeRangeDescriptor((scan.rows[0] as KvKeyValue).value);
    this.cache.insert(desc);
    return desc;
  }

  private async sendToRange(desc: RangeDescriptor, ba: BatchRequest): Promise<BatchResponse> {
    const res = await this.deps.transportFor(desc).send({ header: { ...ba.header, rangeId: desc.rangeId }, requests: ba.requests });
    if (!res.ok && (res.error.kind === 'range-key-mismatch' || res.error.kind === 'range-not-found')) {
      // A newer descriptor from the replica beats a /meta lookup that may still be stale.
      if (res.error.kind === 'range-key-mismatch' && res.error.descriptor !== null && res.error.descriptor.generation > desc.generation) {
        this.cache.evict(desc);
        this.cache.insert(res.error.descriptor);
        throw new RetryRouting(null);
      }
      throw new RetryRouting(desc);
    }
    return res;
  }

  private async trySend(ba: BatchRequest): Promise<BatchResponse> {
    const spans = ba.requests.map((r) => requestAddressSpan(r, ba.header));
    const firstKey = (spans[0] as KvSpan).startKey;
    // The cached case without an extra await: this is every point read and write's path.
    const first = this.cache.lookup(firstKey) ?? (await this.lookupRange(firstKey));
    if (spans.every((s) => rangeContainsSpan(first, s.startKey, s.endKey))) return this.sendToRange(first, ba);
    if (ba.requests.some((r) => r.kind === 'end-txn' && r.onePhase)) {
      return { ok: false, error: { kind: 'invalid-request', message: 'a one-phase commit must not span ranges' } };
    }
    return this.sendSplit(ba, spans);
  }

  /** The slow path: one sub-batch per range for non-scans, then scans range by range. */
  private async sendSplit(ba: BatchRequest, spans: readonly KvSpan[]): Promise<BatchResponse> {
    const groups = new Map<bigint, { desc: RangeDescriptor; parts: { index: number; req: KvRequest }[] }>();
    for (let i = 0; i < ba.requests.length; i++) {
      const req = ba.requests[i] as KvRequest;
      if (req.kind === 'scan') continue;
      for (const { desc, clipped } of await this.rangesOf(spans[i] as KvSpan)) {
        const g = groups.get(desc.rangeId) ?? { desc, parts: [] };
        g.parts.push({ index: i, req: withSpan(req, clipped) });
        groups.set(desc.rangeId, g);
      }
    }
    const results = await Promise.all(
      [...groups.values()].map(async (g) => ({ g, res: await this.sendToRange(g.desc, { header: ba.header, requests: g.parts.map((p) => p.req) }) })),
    );
    const pieces: KvResponse[][] = ba.requests.map(() => []);
    let error: { index: number; error: KvError } | null = null;
    for (const { g, res } of results) {
      if (!res.ok) {
        const index = Math.min(...g.parts.map((p) => p.index));
        if (error === null || index < error.index) error = { index, error: res.error };
        continue;
      }
      g.parts.forEach((p, j) => (pieces[p.index] as KvResponse[]).push(res.responses[j] as KvResponse));
    }
    if (error !== null) return { ok: false, error: error.error };
    const responses: KvResponse[] = [];
    for (let i = 0; i < ba.requests.length; i++) {
      const req = ba.requests[i] as KvRequest;
      if (req.kind === 'scan') {
        const r = await this.scanAcross(ba, req);
        if (!r.ok) return r;
        responses.push(r.response);
      } else {
        responses.push(combine(pieces[i] as KvResponse[]));
      }
    }
    return { ok: true, responses };
  }

  /** The ranges overlapping `span`, each with the part of the span inside it, in key order. */
  private async rangesOf(span: KvSpan): Promise<{ desc: RangeDescriptor; clipped: KvSpan }[]> {
    const out: { desc: RangeDescriptor; clipped: KvSpan }[] = [];
    let at = span.startKey;
    while (compareBytes(at, span.endKey) < 0) {
      const desc = await this.lookupRange(at);
      out.push({ desc, clipped: { startKey: maxKey(at, desc.startKey), endKey: minKey(span.endKey, desc.endKey) } });
      at = desc.endKey;
    }
    return out;
  }

  private async scanAcross(
    ba: BatchRequest,
    req: Extract<KvRequest, { kind: 'scan' }>,
  ): Promise<{ ok: true; response: KvResponse } | { ok: false; error: KvError }> {
    const reverse = req.reverse === true;
    const rows: KvKeyValue[] = [];
    let remaining: KvSpan | null = req.span;
    while (remaining !== null && compareBytes(remaining.startKey, remaining.endKey) < 0) {
      const desc = await this.lookupRange(reverse ? remaining.endKey : remaining.startKey, reverse);
      const clipped: KvSpan = { startKey: maxKey(remaining.startKey, desc.startKey), endKey: minKey(remaining.endKey, desc.endKey) };
      const limit = req.limit !== undefined && req.limit > 0 ? req.limit - rows.length : 0;
      const res = await this.sendToRange(desc, { header: ba.header, requests: [{ ...req, span: clipped, limit }] });
      if (!res.ok) return res;
      const scan = res.responses[0];
      assert(scan !== undefined && scan.kind === 'scan', 'scan answered with another kind');
      rows.push(...scan.rows);
      if (scan.resumeSpan !== null) {
        const resume = reverse
          ? { startKey: remaining.startKey, endKey: scan.resumeSpan.endKey }
          : { startKey: scan.resumeSpan.startKey, endKey: remaining.endKey };
        return { ok: true, response: { kind: 'scan', rows, resumeSpan: resume } };
      }
      remaining = reverse ? { startKey: remaining.startKey, endKey: clipped.startKey } : { startKey: clipped.endKey, endKey: remaining.endKey };
    }
    return { ok: true, response: { kind: 'scan', rows, resumeSpan: null } };
  }
}

function withSpan(req: KvRequest, span: KvSpan): KvRequest {
  return req.kind === 'delete-range' || req.kind === 'resolve-intent' || req.kind === 'refresh' ? { ...req, span } : req;
}

/** One response from the pieces of a request that was split over ranges. */
function combine(pieces: readonly KvResponse[]): KvResponse {
  const first = pieces[0];
  assert(first !== undefined, 'a request got no response');
  if (pieces.length === 1) return first;
  const kind = first.kind;
  switch (kind) {
    case 'delete-range':
      return { kind, deletedKeys: pieces.reduce((n, p) => n + (p.kind === 'delete-range' ? p.deletedKeys : 0), 0) };
    case 'resolve-intent':
      return { kind, resolved: pieces.reduce((n, p) => n + (p.kind === 'resolve-intent' ? p.resolved : 0), 0) };
    case 'refresh':
      return { kind };
    case 'get':
    case 'scan':
    case 'put':
    case 'conditional-put':
    case 'delete':
    case 'end-txn':
    case 'push-txn':
    case 'heartbeat-txn':
      break;
    default:
      return assertNever(kind, 'kv response');
  }
  throw new AssertionError(`${kind} cannot span ranges`);
}
