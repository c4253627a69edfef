/**
 * The `tessera` command line. Parses arguments, calls into src/server, turns failures into
 * a one-line message and exit code 1. Nothing here knows about the layers below server.
 */
import { parseArgs } from 'node:util';
import { commandHelp, findCommand, mainHelp, type CommandSpec } from './commands.ts';
import {
  startNode,
  initCluster,
  clusterStatus,
  decommissionNode,
  startDemo,
  parseHostPort,
  type ClusterConfig,
  formatHostPort,
  TESSERA_VERSION,
  PG_COMPAT_VERSION,
  type HostPort,
  type RunningNode,
} from '../server/index.ts';
import { TesseraError } from '../util/index.ts';

type FlagValues = Record<string, string | boolean | undefined>;

class UsageError extends Error {}

function parseFlags(spec: CommandSpec, argv: readonly string[]): { values: FlagValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const f of spec.flags) options[f.name] = { type: f.type };
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    const out: FlagValues = { ...values };
    if (out['help'] !== true) checkPositionals(spec, positionals);
    for (const f of spec.flags) if (out[f.name] === undefined && f.default !== undefined) out[f.name] = f.default;
    return { values: out, positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function checkPositionals(spec: CommandSpec, positionals: readonly string[]): void {
  const wanted = spec.positionals;
  if (wanted === undefined && positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (wanted === 'one' && positionals.length !== 1) throw new UsageError(`expected exactly one argument: ${spec.usage}`);
  if (wanted === 'one-or-more' && positionals.length === 0) throw new UsageError(`expected at least one argument: ${spec.usage}`);
}

async function runCert(name: string, values: FlagValues, positionals: readonly string[]): Promise<number> {
  const options = {
    certsDir: String(values['certs-dir']),
    caKeyPath: String(values['ca-key']),
    lifetimeDays: intFlag(values, 'lifetime-days'),
    overwrite: values['overwrite'] === true,
  };
  const { createCa, createNodeCert, createClientCert } = await import('../server/certs/index.ts');
  const written =
    name === 'cert create-ca'
      ? await createCa(options)
      : name === 'cert create-node'
        ? await createNodeCert(options, positionals)
        : await createClientCert(options, positionals[0] ?? '');
  for (const path of written) process.stdout.write(`wrote ${path}\n`);
  return 0;
}

function addrFlag(values: FlagValues, name: string): HostPort {
  const parsed = parseHostPort(String(values[name]));
  if ('error' in parsed) throw new UsageError(`--${name}: ${parsed.error}`);
  return parsed;
}

function intFlag(values: FlagValues, name: string): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: expected a non-negative integer, got "${values[name]}"`);
  return n;
}

function clusterFlags(values: FlagValues): ClusterConfig {
  const join = String(values['join'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const parsed = parseHostPort(s);
      if ('error' in parsed) throw new UsageError(`--join: ${parsed.error}`);
      return parsed;
    });
  return {
    listenAddr: addrFlag(values, 'listen-addr'),
    advertiseAddr: typeof values['advertise-addr'] === 'string' ? addrFlag(values, 'advertise-addr') : null,
    join,
    deadNodeTimeoutMs: intFlag(values, 'dead-node-timeout'),
    rangeMaxBytes: intFlag(values, 'range-max-bytes'),
  };
}

async function runDemo(values: FlagValues): Promise<number> {
  const demo = await startDemo({
    nodes: intFlag(values, 'nodes'),
    dir: typeof values['dir'] === 'string' ? values['dir'] : null,
    logLevel: String(values['log-level']),
  });
  process.stdout.write(`Tessera ${TESSERA_VERSION} demo cluster of ${demo.nodes.length} nodes (stores under ${demo.dir}):\n`);
  for (const n of demo.nodes) {
    const sql = formatHostPort(n.sqlAddr);
    process.stdout.write(`  node ${n.nodeId}: postgres://root@${sql}/defaultdb  (HTTP ${formatHostPort(n.httpAddr)})\n`);
  }
  process.stdout.write('Press Ctrl-C to stop.\n');
  return waitForSignal(() => demo.stop());
}

async function runNodeList(values: FlagValues, withCounts: boolean): Promise<number> {
  const { clusterId, nodes } = await clusterStatus(addrFlag(values, 'host'));
  const count = (n: number): string => (n < 0 ? '?' : String(n));
  const header = withCounts ? ['id', 'address', 'live', 'replicas', 'leases'] : ['id', 'address', 'live'];
  const rows = nodes.map((n) => {
    const base = [String(n.nodeId), n.address, n.live ? 'true' : 'false'];
    return withCounts ? [...base, count(n.replicas), count(n.leases)] : base;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`cluster ${clusterId}\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  return 0;
}

async function runDecommission(values: FlagValues, positionals: readonly string[]): Promise<number> {
  const nodeId = Number(positionals[0]);
  if (!Number.isInteger(nodeId) || nodeId <= 0) throw new UsageError(`expected a node id, got "${positionals[0]}"`);
  let last = -1;
  await decommissionNode(addrFlag(values, 'host'), nodeId, intFlag(values, 'timeout'), (p) => {
    if (p.remaining !== last) process.stderr.write(`node ${nodeId}: replicas of ${p.remaining} of ${p.ranges} range(s) left to move\n`);
    last = p.remaining;
  });
  process.stdout.write(`node ${nodeId} is decommissioned: it holds no replica any more and can be stopped\n`);
  return 0;
}

async function runInit(values: FlagValues): Promise<number> {
  const { clusterId } = await initCluster(addrFlag(values, 'host'));
  process.stdout.write(`cluster initialized (id ${clusterId})\n`);
  return 0;
}

async function runStartSingleNode(values: FlagValues, cluster?: ClusterConfig): Promise<number> {
  if (cluster !== undefined) process.stderr.write(`Tessera node listening for nodes on ${formatHostPort(cluster.listenAddr)}\n`);
  const node: RunningNode = await startNode({
    ...(cluster !== undefined ? { cluster } : {}),
    storeDir: String(values['store']),
    sqlAddr: addrFlag(values, 'sql-addr'),
    httpAddr: addrFlag(values, 'http-addr'),
    logLevel: String(values['log-level']),
    drainTimeoutMs: intFlag(values, 'drain-timeout'),
    certsDir: typeof values['certs-dir'] === 'string' ? values['certs-dir'] : null,
    insecure: values['insecure'] === true,
    clockOffsetFile: typeof values['testing-clock-offset-file'] === 'string' ? values['testing-clock-offset-file'] : null,
    hbaFile: typeof values['hba-file'] === 'string' ? values['hba-file'] : null,
  });
  const sql = formatHostPort(node.sqlAddr);
  process.stderr.write(
    `Tessera ${TESSERA_VERSION} node ${node.nodeId} is serving SQL on ${sql} (postgres://root@${sql}/defaultdb), ` +
      `HTTP on ${formatHostPort(node.httpAddr)}, store ${node.storeDir}\n`,
  );
  // A node whose clock is off from the cluster's stops itself and says why (exit 1).
  const fatal = node.fatal.then(async (why) => {
    process.stderr.write(`stopping: ${why}\n`);
    await node.stop();
    return 1;
  });
  return Promise.race([waitForSignal(() => node.stop()), fatal]);
}

/** Resolves with the exit code once SIGINT/SIGTERM stopped the service (a second signal exits at once). */
function waitForSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`received ${signal} again: exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`received ${signal}: draining and stopping\n`);
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`error while stopping: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function run(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name === undefined ? 1 : 0;
  }
  if (name === '--version') return run(['version']);
  // Two-word commands ('cert create-ca') are looked up by both words.
  const twoWords = rest[0] !== undefined ? findCommand(`${name} ${rest[0]}`) : undefined;
  const spec = twoWords ?? findCommand(name);
  if (spec === undefined) throw new UsageError(`unknown command "${name}" (see tessera --help)`);
  const { values, positionals } = parseFlags(spec, twoWords !== undefined ? rest.slice(1) : rest);
  if (values['help'] === true) {
    process.stdout.write(commandHelp(spec) + '\n');
    return 0;
  }
  switch (spec.name) {
    case 'start-single-node':
      return runStartSingleNode(values);
    case 'start':
      return runStartSingleNode(values, clusterFlags(values));
    case 'init':
      return runInit(values);
    case 'demo':
      return runDemo(values);
    case 'node ls':
      return runNodeList(values, false);
    case 'node status':
      return runNodeList(values, true);
    case 'node decommission':
      return runDecommission(values, positionals);
    case 'cert create-ca':
    case 'cert create-node':
    case 'cert create-client':
      return runCert(spec.name, values, positionals);
    case 'version':
      process.stdout.write(`Tessera ${TESSERA_VERSION} (PostgreSQL ${PG_COMPAT_VERSION} wire protocol compatible), Node.js ${process.version}\n`);
      return 0;
    default:
      throw new UsageError(`command "${spec.name}" is not implemented`);
  }
}

/** Runs the CLI with `argv` (without node and script) and exits the process. */
export async function main(argv: readonly string[]): Promise<void> {
  let code: number;
  try {
    code = await run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      code = 2;
    } else if (err instanceof TesseraError) {
      process.stderr.write(`tessera: error: ${err.message}\n`);
      code = 1;
    } else {
      process.stderr.write(`tessera: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      code = 1;
    }
  }
  process.exitCode = code;
  // Open handles (sockets, timers) must not keep a failed or stopped process alive.
  setTimeout(() => process.exit(code), 100).unref();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void main(process.argv.slice(2));
}
