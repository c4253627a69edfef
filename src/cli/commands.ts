/**
 * The command table: each command's flags (named exactly as scripts and docs use them),
 * defaults and help text. Parsing is node:util's parseArgs; this file only describes.
 */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly placeholder?: string;
  readonly default?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  /** Positional arguments the command takes (for its usage line); none when absent. */
  readonly positionals?: 'one' | 'one-or-more';
}

const logLevelFlag: FlagSpec = {
  name: 'log-level',
  type: 'string',
  placeholder: 'LEVEL',
  default: 'info',
  help: 'trace, debug, info, warn, error or fatal',
};

const certFlags: readonly FlagSpec[] = [
  { name: 'certs-dir', type: 'string', placeholder: 'DIR', default: './certs', help: 'directory of ca.crt and the certificates made' },
  { name: 'ca-key', type: 'string', placeholder: 'PATH', default: './ca.key', help: 'the CA\'s private key: keep it out of the certs directory' },
  { name: 'lifetime-days', type: 'string', placeholder: 'DAYS', default: '365', help: 'validity of the certificate' },
  { name: 'overwrite', type: 'boolean', help: 'replace existing files' },
];

export const commands: readonly CommandSpec[] = [
  {
    name: 'start-single-node',
    summary: 'Start a one-node cluster (bootstrapped on first start) and serve SQL.',
    usage: 'tessera start-single-node [--store DIR] [--sql-addr HOST:PORT] [--http-addr HOST:PORT]',
    flags: [
      { name: 'store', type: 'string', placeholder: 'DIR', default: './tessera-data', help: 'directory of the node\'s data (created if missing)' },
      { name: 'sql-addr', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:5433', help: 'address for PostgreSQL clients' },
      { name: 'http-addr', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:8080', help: 'address for /health and /metrics' },
      logLevelFlag,
      { name: 'drain-timeout', type: 'string', placeholder: 'MS', default: '10000', help: 'on SIGINT/SIGTERM, how long running statements may take to finish' },
      { name: 'certs-dir', type: 'string', placeholder: 'DIR', help: 'node.key and node.crt (PEM), ca.crt for client certificates: clients then must use TLS and SCRAM or a client certificate' },
      { name: 'hba-file', type: 'string', placeholder: 'PATH', help: 'pg_hba.conf-style rules (host|hostssl|hostnossl db user address method) replacing the default authentication rules' },
      { name: 'insecure', type: 'boolean', help: 'allow serving SQL on a non-loopback address without certificates' },
      { name: 'testing-clock-offset-file', type: 'string', placeholder: 'PATH', help: 'testing: add the signed milliseconds in PATH (re-read every second) to the wall clock' },
    ],
  },
  {
    name: 'start',
    summary: 'Start a node of a multi-node cluster (waits for `tessera init` or joins through --join).',
    usage: 'tessera start --store DIR --listen-addr HOST:PORT --sql-addr HOST:PORT --http-addr HOST:PORT --join HOST:PORT[,HOST:PORT...] [--advertise-addr HOST:PORT]',
    flags: [
      { name: 'store', type: 'string', placeholder: 'DIR', default: './tessera-data', help: 'directory of the node\'s data (created if missing)' },
      { name: 'listen-addr', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:26257', help: 'address for other nodes (node-to-node RPC)' },
      { name: 'advertise-addr', type: 'string', placeholder: 'HOST:PORT', help: 'the address other nodes dial to reach this one (default: --listen-addr)' },
      { name: 'join', type: 'string', placeholder: 'HOST:PORT,...', default: '', help: 'listen addresses of nodes of the cluster to join' },
      { name: 'dead-node-timeout', type: 'string', placeholder: 'MS', default: '300000', help: 'a node unreachable this long is dead: its replicas are rebuilt on other nodes' },
      { name: 'range-max-bytes', type: 'string', placeholder: 'BYTES', default: '67108864', help: 'a range grown past this size is split in two (set the same on every node)' },
      { name: 'sql-addr', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:5433', help: 'address for PostgreSQL clients' },
      { name: 'http-addr', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:8080', help: 'address for /health and /metrics' },
      logLevelFlag,
      { name: 'drain-timeout', type: 'string', placeholder: 'MS', default: '10000', help: 'on SIGINT/SIGTERM, how long running statements may take to finish' },
      { name: 'certs-dir', type: 'string', placeholder: 'DIR', help: 'node.key and node.crt (PEM): clients may then connect with TLS' },
      { name: 'insecure', type: 'boolean', help: 'allow serving SQL on a non-loopback address without certificates' },
      { name: 'testing-clock-offset-file', type: 'string', placeholder: 'PATH', help: 'testing: add the signed milliseconds in PATH (re-read every second) to the wall clock' },
    ],
  },
  {
    name: 'init',
    summary: 'Bootstrap a new cluster on the node at --host (once; a second init is an error).',
    usage: 'tessera init --host HOST:PORT',
    flags: [{ name: 'host', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:26257', help: 'the listen address of a started node' }],
  },
  {
    name: 'node ls',
    summary: 'List the nodes of the cluster and whether they are live.',
    usage: 'tessera node ls --host HOST:PORT',
    flags: [{ name: 'host', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:26257', help: 'the listen address of a node of the cluster' }],
  },
  {
    name: 'node status',
    summary: 'Show each node of the cluster with its liveness, replica count and lease count.',
    usage: 'tessera node status --host HOST:PORT',
    flags: [{ name: 'host', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:26257', help: 'the listen address of a node of the cluster' }],
  },
  {
    name: 'node decommission',
    summary: 'Move every replica off node ID (to other live nodes), then report it done; SQL keeps working.',
    usage: 'tessera node decommission ID --host HOST:PORT [--timeout MS]',
    positionals: 'one',
    flags: [
      { name: 'host', type: 'string', placeholder: 'HOST:PORT', default: '127.0.0.1:26257', help: 'the listen address of a node of the cluster' },
      { name: 'timeout', type: 'string', placeholder: 'MS', default: '600000', help: 'give up (exit 1) if replicas remain after this long' },
    ],
  },
  {
    name: 'demo',
    summary: 'Start a local N-node cluster in this process and print the SQL URLs (for trying things out).',
    usage: 'tessera demo [--nodes N] [--dir DIR]',
    flags: [
      { name: 'nodes', type: 'string', placeholder: 'N', default: '3', help: 'how many nodes (1-9)' },
      { name: 'dir', type: 'string', placeholder: 'DIR', help: 'parent directory of the nodes\' stores (default: a new temporary directory)' },
      { ...logLevelFlag, default: 'warn' },
    ],
  },
  {
    name: 'cert create-ca',
    summary: 'Create a certificate authority: ca.crt in the certs directory, its key at --ca-key.',
    usage: 'tessera cert create-ca --certs-dir DIR --ca-key PATH',
    flags: certFlags,
  },
  {
    name: 'cert create-node',
    summary: 'Create node.crt/node.key, signed by the CA, for the host names and addresses given.',
    usage: 'tessera cert create-node HOST [HOST...] --certs-dir DIR --ca-key PATH',
    flags: certFlags,
    positionals: 'one-or-more',
  },
  {
    name: 'cert create-client',
    summary: 'Create client.USER.crt/.key, signed by the CA, for connecting as USER.',
    usage: 'tessera cert create-client USER --certs-dir DIR --ca-key PATH',
    flags: certFlags,
    positionals: 'one',
  },
  {
    name: 'version',
    summary: 'Print the version of Tessera and of the PostgreSQL protocol it speaks.',
    usage: 'tessera version',
    flags: [],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return commands.find((c) => c.name === name);
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [spec.summary, '', `Usage: ${spec.usage}`];
  if (spec.flags.length > 0) {
    lines.push('', 'Flags:');
    for (const f of spec.flags) {
      const left = `  --${f.name}${f.placeholder !== undefined ? ` ${f.placeholder}` : ''}`;
      const dflt = f.default !== undefined ? ` (default ${f.default})` : '';
      lines.push(`${left.padEnd(30)} ${f.help}${dflt}`);
    }
  }
  lines.push(`${'  --help'.padEnd(30)} show this help`);
  return lines.join('\n');
}

export function mainHelp(): string {
  const lines = ['Tessera: a distributed SQL database that speaks the PostgreSQL wire protocol.', '', 'Usage: tessera COMMAND [flags]', '', 'Commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(20)} ${c.summary}`);
  lines.push('', 'Run `tessera COMMAND --help` for the flags of a command.');
  return lines.join('\n');
}
