import { assert, type Logger } from '../util/index.ts';
import { WriteBatch, type Engine } from './engine.ts';

export interface GroupCommitConfig {
  /** A combined batch stops growing past this many bytes (one writer's batch may exceed it). */
  readonly groupCommitBatchBytesMax: number;
  /** A combined batch carries at most this many writers' batches. */
  readonly groupCommitWritersMax: number;
}

interface Waiter {
  readonly batch: WriteBatch;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit: makes many writers' batches durable with few synced writes. While one
 * synced write is in flight, arriving batches queue; when it completes, everything queued
 * (up to the limits) goes out as the next single `sync: true` write. A writer's promise
 * resolves only once its batch is durable.
 *
 * Callers must not submit two batches that touch the same key concurrently unless their
 * order does not matter: within one combined write the later submission wins. kv's
 * latches guarantee this for replicas.
 */
export class GroupCommitter {
  private queue: Waiter[] = [];
  private running = false;
  /** Synced writes issued, and batches carried by them (for tests and metrics). */
  readonly stats = { syncs: 0, batches: 0 };

  constructor(
    private readonly engine: Engine,
    private readonly config: GroupCommitConfig,
    private readonly logger: Logger,
  ) {
    assert(config.groupCommitBatchBytesMax > 0 && config.groupCommitWritersMax > 0, 'group commit limits must be positive');
  }

  /** Resolves once `batch` is durable; rejects if the write failed. */
  commit(batch: WriteBatch): Promise<void> {
    if (batch.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.running) {
        this.running = true;
        // A microtask lets writers that became ready in the same tick join the first write.
        queueMicrotask(() => void this.run());
      }
    });
  }

  /** Resolves when every batch submitted so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.running) await this.idle;
  }

  private idle: Promise<void> = Promise.resolve();

  private async run(): Promise<void> {
    let markIdle!: () => void;
    this.idle = new Promise<void>((resolve) => (markIdle = resolve));
    assert(this.running, 'group commit loop started twice');
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      const combined = new WriteBatch();
      for (const w of group) combined.append(w.batch);
      try {
        this.stats.syncs++;
        this.stats.batches += group.length;
        await this.engine.write(combined, { sync: true });
        for (const w of group) w.resolve();
      } catch (err) {
        this.logger.error({ err, writers: group.length }, 'group commit write failed');
        for (const w of group) w.reject(err);
      }
    }
    this.running = false;
    markIdle();
  }

  private takeGroup(): Waiter[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.config.groupCommitWritersMax) {
      const next = this.queue[n] as Waiter;
      if (n > 0 && bytes + next.batch.byteSize > this.config.groupCommitBatchBytesMax) break;
      bytes += next.batch.byteSize;
      n++;
    }
    const group = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    return group;
  }
}
