/**
 * Random membership changes for the simulator: add learners, promote them, remove or
 * demote voters, replace a voter (two voter changes, hence joint), add voters directly,
 * and leave explicit joint configurations.
 */
import type { ConfChange, ConfState, ReplicaId } from '../../../src/raft/index.ts';
import type { Random } from '../../../src/util/index.ts';
import type { RaftModule } from './simulator.ts';

function pick<T>(rng: Random, xs: readonly T[]): T | undefined {
  return xs.length === 0 ? undefined : xs[rng.int(xs.length)];
}

export function chooseConfChange(
  rng: Random,
  raft: RaftModule,
  cs: ConfState,
  membersMax: number,
  fresh: () => ReplicaId,
): ConfChange | undefined {
  const none = new Uint8Array(0);
  if (cs.votersOutgoing.length > 0) {
    return cs.autoLeave ? undefined : raft.LEAVE_JOINT;
  }
  const memberCount = cs.voters.length + cs.learners.length;
  const transition = (): ConfChange['transition'] =>
    (['auto', 'auto', 'joint-implicit', 'joint-explicit'] as const)[rng.int(4)]!;
  switch (rng.int(6)) {
    case 0:
      if (memberCount >= membersMax) return undefined;
      return { transition: 'auto', changes: [{ kind: 'add-learner', id: fresh() }], context: none };
    case 1: {
      const learner = pick(rng, cs.learners);
      if (learner === undefined) return undefined;
      return { transition: transition(), changes: [{ kind: 'add-voter', id: learner }], context: none };
    }
    case 2: {
      if (cs.voters.length <= 1) return undefined;
      const victim = pick(rng, cs.voters)!;
      const kind = rng.next() < 0.5 ? 'remove' : 'add-learner';
      return { transition: transition(), changes: [{ kind, id: victim }], context: none };
    }
    case 3: {
      // Replace a voter: two voter changes at once, which needs a joint configuration.
      if (memberCount >= membersMax) return undefined;
      const victim = pick(rng, cs.voters)!;
      const joiner = pick(rng, cs.learners) ?? fresh();
      return { transition: transition(), changes: [{ kind: 'remove', id: victim }, { kind: 'add-voter', id: joiner }], context: none };
    }
    case 4: {
      if (memberCount >= membersMax) return undefined;
      return { transition: transition(), changes: [{ kind: 'add-voter', id: fresh() }], context: none };
    }
    default: {
      const learner = pick(rng, cs.learners);
      if (learner === undefined) return undefined;
      return { transition: 'auto', changes: [{ kind: 'remove', id: learner }], context: none };
    }
  }
}
