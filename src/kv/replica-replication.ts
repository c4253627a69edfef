/**
 * The replica's side of replication (ReplicaReplication): the lease check before a batch
 * is served and the proposal of its evaluated write batch through the range's group.
 */
import type { Env } from '../util/index.ts';
import type { KvError } from './api.ts';
import type { WriteBatch } from './engine.ts';
import { leaseState } from './lease.ts';
import type { RangeGroup } from './range-group.ts';
import type { LeaseCheck, ReplicaReplication } from './replica.ts';
import { encodeCommand } from './replicated-cmd.ts';
import type { StoreDriver } from './store-driver.ts';

export class GroupReplication implements ReplicaReplication {
  constructor(
    private readonly env: Env,
    private readonly group: RangeGroup,
    private readonly driver: StoreDriver,
    /** How long a request waits for a lease being acquired (or an election) here. */
    private readonly leaseWaitMs: number,
  ) {}

  leaseForRequest(): LeaseCheck | Promise<LeaseCheck> {
    const now = this.check();
    if (now !== 'wait') return now;
    return this.waitForLease();
  }

  /** A decision now, or 'wait' when this replica is (or may become) the one to take the lease. */
  private check(): LeaseCheck | 'wait' {
    const g = this.group;
    const lease = g.state.lease;
    const state = leaseState(this.driver.config, lease, this.driver.nodeId, this.env.clock.nowNanos());
    if (state === 'valid') return { ok: true, leaseSeq: lease.seq };
    if (state === 'other') return notLeaseholder(lease.holder, 'another node holds the lease');
    if (g.isLeader) {
      this.driver.maintainLease(g, this.env.clock.nowNanos(), this.env.clock.monotonicMs());
      return 'wait';
    }
    const leader = g.leaderNode;
    if (leader === 0) return 'wait'; // an election is under way
    return notLeaseholder(leader, 'the lease is expired; the raft leader will take it');
  }

  private async waitForLease(): Promise<LeaseCheck> {
    const deadline = this.env.clock.monotonicMs() + this.leaseWaitMs;
    for (;;) {
      const left = deadline - this.env.clock.monotonicMs();
      if (left <= 0) return notLeaseholder(null, `no lease within ${this.leaseWaitMs} ms`);
      await this.group.waitChange(Math.min(left, this.driver.config.raftTickMs * 2));
      const now = this.check();
      if (now !== 'wait') return now;
    }
  }

  async propose(batch: WriteBatch, leaseSeq: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: KvError }> {
    const cmd = { kind: 'write', id: this.driver.newCommandId(), leaseSeq, batch } as const;
    const result = this.group.propose(cmd, encodeCommand(cmd), this.env.clock.monotonicMs());
    this.driver.markDirty(this.group);
    return result;
  }
}

function notLeaseholder(holder: number | null, message: string): LeaseCheck {
  return { ok: false, error: { kind: 'not-leaseholder', leaseholder: holder === null || holder === 0 ? null : (holder as never), message } };
}
