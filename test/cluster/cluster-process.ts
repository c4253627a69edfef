// Starts real `tessera start` processes forming a cluster on loopback, with free ports, and
// makes sure every process is stopped again (also when a test fails).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { runCli, tempStoreDir } from '../integration/node-process.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const cliEntry = join(repoRoot, 'src/cli/main.ts');
const binEntry = join(repoRoot, 'bin/tessera.mjs');

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port the OS had free a moment ago (the listen address must be known before start). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `f` every 200 ms until it answers true (errors count as "not yet"); throws after
 * `ms` with `what` and whatever `detail` says about the last state.
 */
export async function until(what: string, f: () => Promise<boolean>, ms: number, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await f()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms ${detail()}`.trimEnd());
    await sleep(200);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface ClusterNodeProcess {
  readonly listenPort: number;
  readonly storeDir: string;
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the SQL port once the node serves SQL. */
  serving: Promise<number>;
  exited: Promise<void>;
  client(): Promise<pg.Client>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on the same store and ports. */
  restart(): void;
  /** GET /_status/node. */
  status(): Promise<NodeStatus>;
}

export interface RangeStatus {
  readonly rangeId: string;
  readonly initialized: boolean;
  readonly voters: number[];
  readonly learners: number[];
  readonly leaseholder: number;
  readonly role: string;
  readonly applied: number;
  readonly lastIndex: number;
}

export interface NodeStatus {
  readonly nodeId: number;
  readonly ranges: RangeStatus[];
}

/**
 * Starts `tessera start`. `addressing` puts the node on another loopback address than
 * 127.0.0.1 (`listenHost`), has it advertise another address (`advertise`, e.g. a proxy)
 * and join through given addresses (`join`) instead of 127.0.0.1 and `joinPorts`;
 * `compiled` runs bin/tessera.mjs (dist/, as users run it: benchmarks) instead of the
 * sources through tsx.
 */
export function startClusterNode(
  listenPort: number,
  joinPorts: readonly number[],
  storeDir = tempStoreDir('tessera-cluster-').path,
  timeoutMs = 60_000,
  extraArgs: readonly string[] = [],
  addressing: { readonly listenHost?: string; readonly advertise?: string; readonly join?: readonly string[]; readonly compiled?: boolean } = {},
): ClusterNodeProcess {
  let stderr = '';
  let sqlPort = 0;
  let httpPort = 0;
  const node: ClusterNodeProcess = {
    listenPort,
    storeDir,
    child: undefined as unknown as ChildProcess,
    stderr: () => stderr,
    serving: Promise.resolve(0),
    exited: Promise.resolve(),
    client: async () => {
      const c = new pg.Client({ connectionString: `postgres://root@127.0.0.1:${sqlPort}/defaultdb` });
      await c.connect();
      return c;
    },
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      const child = node.child;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await node.exited;
    },
    restart: () => spawnIt(),
    status: async () => (await (await fetch(`http://127.0.0.1:${httpPort}/_status/node`)).json()) as NodeStatus,
  };
  const spawnIt = (): void => {
    const args = [
      ...(addressing.compiled === true ? [binEntry] : ['--import', 'tsx', cliEntry]), 'start', '--store', storeDir,
      '--listen-addr', `${addressing.listenHost ?? '127.0.0.1'}:${listenPort}`,
      '--join', (addressing.join ?? joinPorts.map((p) => `127.0.0.1:${p}`)).join(','),
      ...(addressing.advertise === undefined ? [] : ['--advertise-addr', addressing.advertise]),
      '--sql-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--log-level', process.env['CLUSTER_TEST_LOG'] ?? 'warn',
      ...extraArgs,
    ];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    node.child = child;
    node.exited = new Promise<void>((res) => child.on('exit', () => {
      running.delete(child);
      res();
    }));
    node.serving = new Promise<number>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`node ${listenPort} did not serve within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      const mark = stderr.length;
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /serving SQL on [^\s]+:(\d+) .*HTTP on [^\s]+:(\d+)/.exec(stderr.slice(mark));
        if (m) {
          clearTimeout(timer);
          sqlPort = Number(m[1]);
          httpPort = Number(m[2]);
          res(sqlPort);
        }
      });
      void node.exited.then(() => {
        clearTimeout(timer);
        rej(new Error(`node ${listenPort} exited before serving; stderr:\n${stderr}`));
      });
    });
    node.serving.catch(() => undefined);
  };
  spawnIt();
  return node;
}

export function initCluster(port: number, host = '127.0.0.1'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['init', '--host', `${host}:${port}`]);
}

export async function stopAll(nodes: readonly ClusterNodeProcess[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
}
