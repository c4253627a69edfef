/**
 * The system under test: real `tessera` processes on loopback, with the fault hooks the
 * nemeses need. Each node keeps its SQL port across restarts (clients reconnect to the same
 * address) and has a clock offset file (`--testing-clock-offset-file`).
 *
 * One node runs `tessera start-single-node`; several run `tessera start --join` and are
 * initialized as one cluster (multi-node.ts). Partitions need a proxy between nodes (not
 * built yet); the nemesis interface takes it unchanged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';
import { startMultiNodeCluster } from './multi-node.ts';

export interface JepsenNode {
  readonly index: number;
  /** The node's SQL address as a libpq URL (stable across restarts). */
  connectionString(): string;
  readonly running: boolean;
  readonly paused: boolean;
}

export interface JepsenCluster {
  readonly nodes: readonly JepsenNode[];
  /** kill -9; the store stays. */
  kill(index: number): Promise<void>;
  /** Starts a killed node again on the same store and port. */
  restart(index: number): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(index: number): Promise<void>;
  resume(index: number): Promise<void>;
  /** Writes the node's clock offset file (the node re-reads it every second). */
  setClockOffsetMs(index: number, ms: number): void;
  /**
   * Cuts the network between the groups of node indexes (nodes of one group still reach
   * each other; SQL clients reach every node). Absent on a single node.
   */
  partition?(groups: readonly (readonly number[])[]): void;
  /** Ends every partition. */
  heal?(): void;
  /** Stops every node (resuming paused ones first) and removes the stores unless `keep`. */
  close(options?: { keep?: boolean }): Promise<void>;
}

class LocalNode implements JepsenNode {
  proc: NodeProcess | null = null;
  paused = false;
  port = 0;
  constructor(
    readonly index: number,
    readonly storeDir: string,
    readonly clockFile: string,
  ) {}

  get running(): boolean {
    return this.proc !== null;
  }

  connectionString(): string {
    return `postgres://root@127.0.0.1:${this.port}/defaultdb`;
  }

  async start(): Promise<void> {
    const args = ['--testing-clock-offset-file', this.clockFile];
    if (this.port !== 0) args.push('--sql-addr', `127.0.0.1:${this.port}`);
    this.proc = await startNodeProcess(this.storeDir, args, 60_000);
    this.port = this.proc.sqlPort;
  }
}

export async function startCluster(nodeCount: number): Promise<JepsenCluster> {
  if (nodeCount > 1) return startMultiNodeCluster(nodeCount);
  if (nodeCount !== 1) throw new Error(`--nodes ${nodeCount}: at least one node`);
  const dir = tempStoreDir('tessera-jepsen-');
  const nodes = Array.from({ length: nodeCount }, (_, i) => new LocalNode(i, join(dir.path, `n${i}`), join(dir.path, `n${i}.clock-offset`)));
  try {
    for (const n of nodes) await n.start();
  } catch (err) {
    for (const n of nodes) await n.proc?.kill('SIGKILL');
    dir.remove();
    throw err;
  }
  const node = (i: number): LocalNode => {
    const n = nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  };
  return {
    nodes,
    async kill(i) {
      const n = node(i);
      if (n.proc === null) return;
      await n.proc.kill('SIGKILL');
      n.proc = null;
      n.paused = false;
    },
    async restart(i) {
      const n = node(i);
      if (n.proc !== null) return;
      await n.start();
    },
    async pause(i) {
      const n = node(i);
      if (n.proc === null || n.paused) return;
      n.proc.child.kill('SIGSTOP');
      n.paused = true;
    },
    async resume(i) {
      const n = node(i);
      if (n.proc === null || !n.paused) return;
      n.proc.child.kill('SIGCONT');
      n.paused = false;
    },
    setClockOffsetMs(i, ms) {
      writeFileSync(node(i).clockFile, `${ms}\n`);
    },
    async close(options = {}) {
      for (const n of nodes) {
        if (n.proc === null) continue;
        if (n.paused) n.proc.child.kill('SIGCONT');
        await n.proc.kill('SIGKILL');
        n.proc = null;
      }
      if (options.keep !== true) dir.remove();
    },
  };
}
