/**
 * Per-seed simulation parameters. Each seed draws its own fault rates and Raft limits, so
 * the seed space covers calm runs, hostile ones and tiny limits that reach rare paths
 * (one in-flight append, a few bytes per message, a tiny uncommitted budget).
 */
import type { RaftConfigInput } from '../../../src/raft/index.ts';
import type { Random } from '../../../src/util/index.ts';
import type { NetworkFaults } from './network.ts';

export interface SimParams {
  readonly voters: number;
  readonly membersMax: number;
  readonly faults: NetworkFaults;
  /** Per-step probabilities of each chaos event. */
  readonly crashRate: number;
  readonly downStepsMax: number;
  readonly partitionRate: number;
  readonly healRate: number;
  readonly proposeRate: number;
  readonly confChangeRate: number;
  readonly transferRate: number;
  readonly compactRate: number;
  readonly readRate: number;
  readonly quiesceRate: number;
  readonly paddingMax: number;
  readonly raftConfig: Omit<RaftConfigInput, 'id' | 'random'>;
}

function pick<T>(rng: Random, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

export function chooseParams(rng: Random): SimParams {
  return {
    voters: pick(rng, [1, 2, 3, 3, 3, 4, 5, 5]),
    membersMax: pick(rng, [4, 5, 6, 7]),
    faults: {
      dropRate: pick(rng, [0, 0.01, 0.05, 0.1, 0.2]),
      duplicateRate: pick(rng, [0, 0.02, 0.1]),
      delayMax: pick(rng, [1, 3, 6, 12]),
    },
    crashRate: pick(rng, [0, 0.002, 0.005, 0.01]),
    downStepsMax: pick(rng, [4, 40, 200]),
    partitionRate: pick(rng, [0, 0.003, 0.01]),
    healRate: pick(rng, [0.005, 0.02]),
    proposeRate: pick(rng, [0.05, 0.2, 0.5]),
    confChangeRate: pick(rng, [0, 0.005, 0.02, 0.05]),
    transferRate: pick(rng, [0, 0.003, 0.01]),
    compactRate: pick(rng, [0, 0.01, 0.05]),
    readRate: pick(rng, [0, 0.02, 0.05]),
    quiesceRate: pick(rng, [0, 0, 0.02]),
    paddingMax: pick(rng, [1, 8, 40]),
    raftConfig: {
      electionTicks: 10,
      heartbeatTicks: pick(rng, [1, 2, 3]),
      preVote: rng.next() < 0.8,
      checkQuorum: rng.next() < 0.8,
      maxSizePerMsgBytes: pick(rng, [8, 64, 1 << 20]),
      maxInflightMsgs: pick(rng, [1, 2, 4, 256]),
      maxInflightBytes: pick(rng, [0, 0, 100]),
      maxUncommittedEntriesBytes: pick(rng, [50, 1 << 20, 1 << 20]),
      maxCommittedBytesPerReady: pick(rng, [16, 1 << 20]),
      disableProposalForwarding: rng.next() < 0.2,
    },
  };
}
