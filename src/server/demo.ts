/**
 * `tessera demo --nodes N`: a local N-node cluster in this one process, each node with its
 * own store directory (under a temporary directory unless given) and loopback ports chosen
 * by the OS, initialized at once. For trying Tessera out; not for data that matters.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '../util/index.ts';
import type { HostPort } from './address.ts';
import { initCluster } from './cluster.ts';
import { startNode, type RunningNode } from './node.ts';

export interface DemoOptions {
  readonly nodes: number;
  /** Parent of the nodes' stores; a fresh temporary directory when null. */
  readonly dir: string | null;
  readonly logLevel: string;
}

export interface RunningDemo {
  readonly nodes: readonly RunningNode[];
  readonly dir: string;
  stop(): Promise<void>;
}

/** A loopback port the OS had free a moment ago (node listen addresses must be known up front). */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) {
    throw new TesseraError('invalid-argument', `--nodes must be between 1 and 9, got ${options.nodes}`);
  }
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  const listen: HostPort[] = [];
  for (let i = 0; i < options.nodes; i++) listen.push({ host: '127.0.0.1', port: await freeLoopbackPort() });
  const starting = listen.map((addr, i) =>
    startNode({
      storeDir: join(dir, `node${i + 1}`),
      sqlAddr: { host: '127.0.0.1', port: 0 },
      httpAddr: { host: '127.0.0.1', port: 0 },
      logLevel: options.logLevel,
      drainTimeoutMs: 2_000,
      cluster: { listenAddr: addr, advertiseAddr: null, join: listen },
    }),
  );
  const settled = Promise.allSettled(starting);
  try {
    await initCluster(listen[0] as HostPort);
    const results = await settled;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  } catch (err) {
    for (const r of await settled) if (r.status === 'fulfilled') await r.value.stop();
    throw err;
  }
  const nodes = (await settled).map((r) => (r as PromiseFulfilledResult<RunningNode>).value);
  return {
    nodes,
    dir,
    stop: async () => {
      for (const n of [...nodes].reverse()) await n.stop();
    },
  };
}
