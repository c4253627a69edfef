/**
 * Sends a range's batches to the replica holding its lease: the local store when this node
 * holds it, otherwise a peer over RPC ('kv.batch'). Remembers the leaseholder per range,
 * follows `not-leaseholder` hints, skips unreachable nodes and replicas not there yet, and
 * retries with backoff until `routeTimeoutMs`; then answers `range-unavailable`.
 *
 * A batch that writes and whose send to a peer failed without an answer after it was
 * written (a timeout, a connection cut by a partition) may have been applied there; one
 * refused before it left this node (no connection, backing off) was not. If a later attempt then
 * fails, that failure says nothing about the first one: a retried commit finds its record
 * already resolved and gone and would report the transaction aborted although it committed
 * (the Jepsen list-append run found such G1a reads). So after an unanswered write, any
 * error other than a routing one is `ambiguous-result`.
 */
import type { Env } from '../util/index.ts';
import { isWriteRequest, type BatchRequest, type BatchResponse, type KvError, type Sender } from './api.ts';
import type { NodeId, RangeDescriptor, RangeId } from './range-descriptor.ts';
import { mayHaveBeenDelivered } from './rpc/errors.ts';

/** Sends a batch to a node's store; rejects (any error) when the node cannot be reached. */
export type RemoteSend = (node: NodeId, ba: BatchRequest) => Promise<BatchResponse>;

export interface RouterConfig {
  readonly routeTimeoutMs: number;
  readonly routeBackoffMs: number;
}

export class ReplicaRouter {
  private readonly leaseholders = new Map<RangeId, NodeId>();

  constructor(
    private readonly env: Env,
    private readonly self: NodeId,
    private readonly local: Sender,
    private readonly remote: RemoteSend | null,
    private readonly config: RouterConfig,
    /**
     * More places to look: this node's own (possibly newer) copy of the descriptor's
     * replicas, and every node known to the cluster (a cached descriptor may list only
     * replicas that are gone; nodes without a replica answer range-not-found).
     */
    private readonly moreCandidates: (rangeId: RangeId) => readonly NodeId[] = () => [],
  ) {}

  senderFor(desc: RangeDescriptor): Sender {
    if (this.remote === null) return this.local;
    return { send: (ba) => this.send(desc, ba) };
  }

  /** Candidates in order: the known leaseholder, this node, the other replicas. */
  private candidates(desc: RangeDescriptor): NodeId[] {
    const out: NodeId[] = [];
    const add = (n: NodeId | undefined): void => {
      if (n !== undefined && n !== 0 && !out.includes(n)) out.push(n);
    };
    add(this.leaseholders.get(desc.rangeId));
    if (desc.replicas.some((r) => r.nodeId === this.self)) add(this.self);
    for (const r of desc.replicas) add(r.nodeId);
    for (const n of this.moreCandidates(desc.rangeId)) add(n);
    return out;
  }

  async send(desc: RangeDescriptor, ba: BatchRequest): Promise<BatchResponse> {
    const deadline = this.env.clock.monotonicMs() + this.config.routeTimeoutMs;
    const writes = ba.requests.some(isWriteRequest);
    let unanswered: string | null = null;
    const outcome = (error: KvError): BatchResponse =>
      unanswered === null ? { ok: false, error } : { ok: false, error: { kind: 'ambiguous-result', message: `an earlier attempt may have been applied (${unanswered}); then: ${error.kind}` } };
    let why: string[];
    for (let round = 0; ; round++) {
      const queue = this.candidates(desc);
      why = [];
      const tried = new Set<NodeId>();
      while (queue.length > 0) {
        const node = queue.shift() as NodeId;
        if (tried.has(node)) continue;
        tried.add(node);
        let res: BatchResponse;
        try {
          res = node === this.self ? await this.local.send(ba) : await (this.remote as RemoteSend)(node, ba);
        } catch (e) {
          const message = `n${node}: ${e instanceof Error ? e.message : String(e)}`;
          why.push(message);
          // A request never written (no connection, backing off) cannot have been applied;
          // one lost in flight or timed out may have been.
          if (writes && mayHaveBeenDelivered(e)) unanswered ??= message;
          continue;
        }
        if (res.ok || (res.error.kind !== 'not-leaseholder' && res.error.kind !== 'range-not-found')) {
          if (res.ok || res.error.kind !== 'range-key-mismatch') this.leaseholders.set(desc.rangeId, node);
          return res.ok ? res : outcome(res.error);
        }
        why.push(`n${node}: ${res.error.kind === 'not-leaseholder' ? `${res.error.message} (holder ${res.error.leaseholder ?? '?'})` : 'no replica there'}`);
        if (res.error.kind === 'not-leaseholder' && res.error.leaseholder !== null && !tried.has(res.error.leaseholder)) {
          queue.unshift(res.error.leaseholder);
          this.leaseholders.set(desc.rangeId, res.error.leaseholder);
        }
      }
      const left = deadline - this.env.clock.monotonicMs();
      if (left <= 0) return outcome({ kind: 'range-unavailable', rangeId: desc.rangeId, message: why.join('; ') });
      await new Promise((r) => setTimeout(r, Math.min(left, this.config.routeBackoffMs * Math.min(1 + round, 10))));
    }
  }
}

