/**
 * The leader's (and candidate's) view of the group: the current membership configuration,
 * a `Progress` per member and the votes of the election in progress.
 */
import { assert } from '../util/index.ts';
import { Progress } from './progress.ts';
import { jointCommitted, jointVoteResult, type VoteResult } from './quorum.ts';
import type { ConfState, ReplicaId } from './types.ts';

/** A membership configuration in the form decisions are made over. */
export interface MemberConfig {
  readonly incoming: ReadonlySet<ReplicaId>;
  /** Non-empty only in a joint configuration. */
  readonly outgoing: ReadonlySet<ReplicaId>;
  readonly learners: ReadonlySet<ReplicaId>;
  /** Outgoing voters that become learners when the joint configuration is left. */
  readonly learnersNext: ReadonlySet<ReplicaId>;
  readonly autoLeave: boolean;
}

export const EMPTY_MEMBER_CONFIG: MemberConfig = {
  incoming: new Set(),
  outgoing: new Set(),
  learners: new Set(),
  learnersNext: new Set(),
  autoLeave: false,
};

function sorted(ids: Iterable<ReplicaId>): ReplicaId[] {
  return [...ids].sort((a, b) => a - b);
}

export function configToConfState(c: MemberConfig): ConfState {
  return {
    voters: sorted(c.incoming),
    votersOutgoing: sorted(c.outgoing),
    learners: sorted(c.learners),
    learnersNext: sorted(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

/** Checks the structural invariants of a configuration; returns a reason if broken. */
export function configProblem(c: MemberConfig): string | undefined {
  for (const id of c.learners) {
    if (c.incoming.has(id) || c.outgoing.has(id)) return `learner ${id} is also a voter`;
  }
  for (const id of c.learnersNext) {
    if (!c.outgoing.has(id)) return `next learner ${id} is not an outgoing voter`;
    if (c.incoming.has(id)) return `next learner ${id} is also an incoming voter`;
  }
  if (c.outgoing.size === 0 && (c.learnersNext.size > 0 || c.autoLeave)) {
    return 'learnersNext or autoLeave outside a joint configuration';
  }
  return undefined;
}

export function confStateToConfig(cs: ConfState): MemberConfig {
  const c: MemberConfig = {
    incoming: new Set(cs.voters),
    outgoing: new Set(cs.votersOutgoing),
    learners: new Set(cs.learners),
    learnersNext: new Set(cs.learnersNext),
    autoLeave: cs.autoLeave,
  };
  const problem = configProblem(c);
  assert(problem === undefined, () => `invalid ConfState: ${problem}`);
  return c;
}

export class ProgressTracker {
  config: MemberConfig = EMPTY_MEMBER_CONFIG;
  readonly progress = new Map<ReplicaId, Progress>();
  readonly votes = new Map<ReplicaId, boolean>();

  constructor(
    private readonly inflightCountMax: number,
    private readonly inflightBytesMax: number,
  ) {}

  isJoint(): boolean {
    return this.config.outgoing.size > 0;
  }

  isVoter(id: ReplicaId): boolean {
    return this.config.incoming.has(id) || this.config.outgoing.has(id);
  }

  isMember(id: ReplicaId): boolean {
    return this.progress.has(id);
  }

  /** Every voter of the incoming and outgoing sets, each once. */
  voterIds(): ReplicaId[] {
    const ids = new Set(this.config.incoming);
    for (const id of this.config.outgoing) ids.add(id);
    return sorted(ids);
  }

  /**
   * Switches to `config`, keeping the progress of continuing members and starting new ones
   * in probe state at `lastIndex + 1` (marked active so CheckQuorum gives them a chance).
   */
  setConfig(config: MemberConfig, lastIndex: number): void {
    const problem = configProblem(config);
    assert(problem === undefined, () => `invalid configuration: ${problem}`);
    this.config = config;
    const members = new Set<ReplicaId>([...config.incoming, ...config.outgoing, ...config.learners]);
    for (const id of [...this.progress.keys()]) {
      if (!members.has(id)) this.progress.delete(id);
    }
    for (const id of members) {
      // learnersNext are still outgoing voters; they turn learners when the joint config is left.
      const isLearner = config.learners.has(id);
      let pr = this.progress.get(id);
      if (pr === undefined) {
        pr = new Progress(lastIndex + 1, this.inflightCountMax, this.inflightBytesMax, isLearner);
        pr.recentActive = true;
        this.progress.set(id, pr);
      }
      pr.isLearner = isLearner;
    }
  }

  /** Resets every progress for a new term: all probe at `lastIndex + 1`, nothing known. */
  resetProgress(lastIndex: number, self: ReplicaId): void {
    for (const [id, pr] of this.progress) {
      pr.becomeProbe();
      pr.match = 0;
      pr.next = lastIndex + 1;
      pr.recentActive = false;
      if (id === self) {
        pr.match = lastIndex;
        pr.recentActive = true;
      }
    }
  }

  /** The highest index acknowledged by a quorum of the (possibly joint) configuration. */
  committed(): number {
    return jointCommitted(this.config.incoming, this.config.outgoing, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** Whether a quorum has been heard from since the last reset of `recentActive`. */
  quorumActive(self: ReplicaId): boolean {
    const active = new Map<ReplicaId, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) active.set(id, id === self || pr.recentActive);
    }
    return jointVoteResult(this.config.incoming, this.config.outgoing, active) === 'won';
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (the first one from each voter counts) and returns the election outcome. */
  recordVote(id: ReplicaId, granted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return jointVoteResult(this.config.incoming, this.config.outgoing, this.votes);
  }
}
