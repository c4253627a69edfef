/**
 * A JepsenCluster of N `tessera start` processes on loopback (issue 4's cluster), joined
 * and initialized. Nodes keep their store and listen port across restarts; their SQL port
 * may change, so clients ask `connectionString()` again when they reconnect.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, initCluster, startClusterNode, type ClusterNodeProcess } from '../cluster/cluster-process.ts';
import { tempStoreDir } from '../integration/node-process.ts';
import type { JepsenCluster, JepsenNode } from './cluster.ts';
import { PartitionProxy } from './partition-proxy.ts';

class MultiNode implements JepsenNode {
  proc: ClusterNodeProcess;
  sqlPort = 0;
  private started = true;
  paused = false;
  constructor(
    readonly index: number,
    proc: ClusterNodeProcess,
    readonly clockFile: string,
  ) {
    this.proc = proc;
  }

  /** Started and not exited (a node may stop itself: its clock beyond the maximum offset). */
  get running(): boolean {
    return this.started && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  set running(v: boolean) {
    this.started = v;
  }

  connectionString(): string {
    return `postgres://root@127.0.0.1:${this.sqlPort}/defaultdb`;
  }
}

/** Node i's own loopback address: its peers' proxies tell its connections apart by it. */
const hostOf = (i: number): string => `127.0.0.${11 + i}`;

export async function startMultiNodeCluster(nodeCount: number): Promise<JepsenCluster> {
  const dir = tempStoreDir('tessera-jepsen-cluster-');
  const ports: number[] = [];
  for (let i = 0; i < nodeCount; i++) ports.push(await freePort());
  // Each node is reached by its peers only through its proxy (the partition nemesis).
  const proxies: PartitionProxy[] = [];
  for (let i = 0; i < nodeCount; i++) proxies.push(await PartitionProxy.start(hostOf(i), { host: hostOf(i), port: ports[i]! }));
  const proxyAddrs = proxies.map((p) => `${p.host}:${p.port}`);
  const nodes = ports.map((port, i) => {
    const clockFile = join(dir.path, `n${i}.clock-offset`);
    const proc = startClusterNode(port, ports, join(dir.path, `n${i}`), 90_000, ['--testing-clock-offset-file', clockFile], {
      listenHost: hostOf(i),
      advertise: proxyAddrs[i]!,
      join: proxyAddrs,
    });
    return new MultiNode(i, proc, clockFile);
  });
  const close = async (): Promise<void> => {
    for (const n of nodes) {
      if (n.paused) n.proc.child.kill('SIGCONT');
      await n.proc.kill('SIGKILL');
    }
    await Promise.all(proxies.map((p) => p.close()));
  };
  try {
    const init = await initCluster(ports[0]!, hostOf(0));
    if (init.code !== 0) throw new Error(`tessera init failed: ${init.stderr}`);
    for (const n of nodes) n.sqlPort = await n.proc.serving;
  } catch (err) {
    await close();
    dir.remove();
    throw err;
  }
  const node = (i: number): MultiNode => {
    const n = nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  };
  return {
    nodes,
    async kill(i) {
      const n = node(i);
      if (!n.running) return;
      if (n.paused) n.proc.child.kill('SIGCONT');
      await n.proc.kill('SIGKILL');
      n.running = false;
      n.paused = false;
    },
    async restart(i) {
      const n = node(i);
      if (n.running) return;
      n.proc.restart();
      n.sqlPort = await n.proc.serving;
      n.running = true;
    },
    async pause(i) {
      const n = node(i);
      if (!n.running || n.paused) return;
      n.proc.child.kill('SIGSTOP');
      n.paused = true;
    },
    async resume(i) {
      const n = node(i);
      if (!n.running || !n.paused) return;
      n.proc.child.kill('SIGCONT');
      n.paused = false;
    },
    setClockOffsetMs(i, ms) {
      writeFileSync(node(i).clockFile, `${ms}\n`);
    },
    partition(groups) {
      for (const group of groups) {
        const others = groups.filter((g) => g !== group).flat().map(hostOf);
        for (const i of group) proxies[i]?.block(others);
      }
    },
    heal() {
      for (const p of proxies) p.unblock();
    },
    async close(options = {}) {
      await close();
      if (options.keep !== true) dir.remove();
    },
  };
}
