/**
 * Up-replication: the leaseholder of a range with fewer replicas than the replication
 * factor adds one on a live node that has none, as a learner first (caught up by a
 * snapshot), then promotes it to voter. One membership step at a time: Raft refuses a
 * second conf change while one is pending, and the policy waits for learners.
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
}

export type ReplicateAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'add-learner'; readonly node: NodeId }
  | { readonly kind: 'promote'; readonly node: NodeId };

export function decideReplicate(input: ReplicateInput): ReplicateAction {
  const { confState } = input;
  if (confState.votersOutgoing.length > 0) return { kind: 'none' }; // joint: let it finish
  for (const l of confState.learners) {
    return input.learnerCaughtUp(l) ? { kind: 'promote', node: l as number as NodeId } : { kind: 'none' };
  }
  const have = new Set(input.desc.replicas.map((r) => r.nodeId));
  const target = Math.min(input.replicationFactor, input.liveNodes.length);
  if (confState.voters.length >= target) return { kind: 'none' };
  const candidate = input.liveNodes.find((n) => !have.has(n));
  return candidate === undefined ? { kind: 'none' } : { kind: 'add-learner', node: candidate };
}
