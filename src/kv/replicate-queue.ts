/**
 * The replicate queue's policy, run by the leaseholder of each range:
 * - up-replication: fewer healthy voters than the replication factor (and a live node
 *   without a replica) adds one, as a learner first (caught up by a snapshot), then
 *   promotes it to voter;
 * - repair and decommissioning: a replica on a node dead past the timeout, or on a node
 *   being decommissioned, is removed once the range has its full count of healthy voters
 *   without it (so the replacement is added first, and a cluster too small to replace it
 *   keeps it); a learner there is removed at once; a leaseholder on a node being
 *   decommissioned hands its lease to a healthy voter first.
 * One membership step at a time: Raft refuses a second conf change while one is pending,
 * and the policy waits for learners.
 */
import type { ConfState, ReplicaId } from '../raft/index.ts';
import type { NodeId, RangeDescriptor } from './range-descriptor.ts';

export interface ReplicateInput {
  readonly replicationFactor: number;
  readonly desc: RangeDescriptor;
  readonly confState: ConfState;
  /** Live nodes (including this one), in a stable order. */
  readonly liveNodes: readonly NodeId[];
  /** Per learner: whether it has caught up with the leader's log (match >= commit). */
  readonly learnerCaughtUp: (id: ReplicaId) => boolean;
  /** This node (the leaseholder). */
  readonly self?: NodeId;
  /** Nodes dead for longer than the dead-node timeout: their replicas are replaced. */
  readonly deadNodes?: readonly NodeId[];
  /** Nodes being decommissioned: everything moves off them. */
  readonly decommissioning?: readonly NodeId[];
}

export type ReplicateAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'add-learner'; readonly node: NodeId }
  | { readonly kind: 'promote'; readonly node: NodeId }
  | { readonly kind: 'remove'; readonly node: NodeId; readonly why: 'dead' | 'decommissioning' }
  | { readonly kind: 'transfer-lease'; readonly node: NodeId };

export function decideReplicate(input: ReplicateInput): ReplicateAction {
  const { confState } = input;
  if (confState.votersOutgoing.length > 0) return { kind: 'none' }; // joint: let it finish
  const dead = new Set(input.deadNodes ?? []);
  const leaving = new Set(input.decommissioning ?? []);
  const gone = (n: NodeId): boolean => dead.has(n) || leaving.has(n);
  const why = (n: NodeId): 'dead' | 'decommissioning' => (dead.has(n) ? 'dead' : 'decommissioning');
  for (const l of confState.learners) {
    const node = l as number as NodeId;
    if (gone(node)) return { kind: 'remove', node, why: why(node) };
    return input.learnerCaughtUp(l) ? { kind: 'promote', node } : { kind: 'none' };
  }
  const voters = confState.voters.map((v) => v as number as NodeId);
  const healthy = voters.filter((v) => !gone(v));
  const placeable = input.liveNodes.filter((n) => !gone(n));
  const target = Math.min(input.replicationFactor, placeable.length);
  if (healthy.length < target) {
    // Members by the Raft configuration: a descriptor may list a node that is not in it.
    const have = new Set<number>([...confState.voters, ...confState.learners]);
    const candidate = placeable.find((n) => !have.has(n));
    if (candidate !== undefined) return { kind: 'add-learner', node: candidate };
  }
  const outgoing = voters.find(gone);
  if (outgoing === undefined || healthy.length < input.replicationFactor) return { kind: 'none' };
  // Raft can remove its own leader, but the lease would go with it: hand it over first.
  if (outgoing === input.self) return { kind: 'transfer-lease', node: healthy[0] as NodeId };
  return { kind: 'remove', node: outgoing, why: why(outgoing) };
}

export interface LeaseBalanceInput {
  /** This node. */
  readonly self: NodeId;
  /** Valid leases per live node, as this node sees them (this node included). */
  readonly leaseCounts: ReadonlyMap<NodeId, number>;
  /** The live nodes holding a voter of the range whose lease this node holds. */
  readonly voterNodes: readonly NodeId[];
}

/**
 * Lease rebalancing: move one lease from this node to the live voter with the fewest
 * leases when this node holds at least two more than it (so that moves converge instead of
 * bouncing). Ties go to the lowest node id.
 */
export function decideLeaseTransfer(input: LeaseBalanceInput): NodeId | null {
  const mine = input.leaseCounts.get(input.self) ?? 0;
  let best: NodeId | null = null;
  let bestCount = Infinity;
  for (const n of [...input.voterNodes].sort((a, b) => a - b)) {
    if (n === input.self) continue;
    const c = input.leaseCounts.get(n) ?? 0;
    if (c < bestCount) {
      best = n;
      bestCount = c;
    }
  }
  return best !== null && mine - bestCount >= 2 ? best : null;
}
