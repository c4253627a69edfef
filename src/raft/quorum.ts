/**
 * Majority arithmetic over one voter set or a joint pair of them. A joint configuration
 * decides only what both of its majorities decide: its commit index is the smaller of the
 * two, and an election is won only when both sets have granted it.
 */
import type { ReplicaId } from './types.ts';

export type VoteResult = 'won' | 'lost' | 'pending';

/** The number of votes a majority of `n` voters needs. */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The highest index acknowledged by a majority of `voters`. An empty set imposes no
 * constraint (MAX_SAFE_INTEGER) so that it drops out of the joint minimum.
 */
export function majorityCommitted(voters: ReadonlySet<ReplicaId>, acked: (id: ReplicaId) => number): number {
  const n = voters.size;
  if (n === 0) return Number.MAX_SAFE_INTEGER;
  if (n === 1) {
    for (const id of voters) return acked(id);
  }
  const indexes: number[] = [];
  for (const id of voters) indexes.push(acked(id));
  indexes.sort((a, b) => b - a);
  // With the indexes in descending order, the quorum-th one is acknowledged by a quorum.
  return indexes[quorumSize(n) - 1]!;
}

export function jointCommitted(
  incoming: ReadonlySet<ReplicaId>,
  outgoing: ReadonlySet<ReplicaId>,
  acked: (id: ReplicaId) => number,
): number {
  return Math.min(majorityCommitted(incoming, acked), majorityCommitted(outgoing, acked));
}

/** The outcome of an election over one voter set given the votes received so far. */
export function majorityVoteResult(voters: ReadonlySet<ReplicaId>, votes: ReadonlyMap<ReplicaId, boolean>): VoteResult {
  if (voters.size === 0) return 'won'; // an empty set agrees to anything (joint-config identity)
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.size);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

export function jointVoteResult(
  incoming: ReadonlySet<ReplicaId>,
  outgoing: ReadonlySet<ReplicaId>,
  votes: ReadonlyMap<ReplicaId, boolean>,
): VoteResult {
  const a = majorityVoteResult(incoming, votes);
  const b = majorityVoteResult(outgoing, votes);
  if (a === b) return a;
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}
