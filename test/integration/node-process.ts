// Starts real `tessera` processes for integration tests, on free ports the OS picks,
// and makes sure every process started is stopped again, also when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const repoRoot = resolve(import.meta.dirname, '../..');
const cliEntry = join(repoRoot, 'src/cli/main.ts');
/** The installed executable: runs dist/ (compiled by `npm install`), as `npm start` does. */
const binEntry = join(repoRoot, 'bin/tessera.mjs');

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly sqlPort: number;
  readonly httpPort: number;
  readonly storeDir: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  connectionString(database?: string): string;
  client(database?: string): Promise<pg.Client>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function tempStoreDir(prefix = 'tessera-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs the CLI with `args` and waits for it to exit (for commands that do not serve). */
export function runCli(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: repoRoot });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `tessera start-single-node` on `storeDir` with free ports and waits until it serves
 * SQL. Tests run the TypeScript sources through tsx; `compiled` runs bin/tessera.mjs (dist/,
 * which the caller must have built), the code users run, for benchmarks: tsx keeps function
 * names with a defineProperty per closure created, a cost the compiled code does not pay.
 */
export async function startNodeProcess(storeDir: string, extraArgs: readonly string[] = [], timeoutMs = 30_000, options: { readonly compiled?: boolean } = {}): Promise<NodeProcess> {
  // TESSERA_NODE_FLAGS: extra node flags for the started process, e.g. to profile a bench's
  // server: TESSERA_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- sql-pglite
  const nodeFlags = (process.env['TESSERA_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const entry = options.compiled === true ? [binEntry] : ['--import', 'tsx', cliEntry];
  const args = [...nodeFlags, ...entry, 'start-single-node', '--store', storeDir, '--sql-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--log-level', 'warn', ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      res({ code, signal });
    });
  });
  const ports = await new Promise<{ sql: number; http: number }>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`node did not start within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /serving SQL on [^\s]+:(\d+) .*HTTP on [^\s]+:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        res({ sql: Number(m[1]), http: Number(m[2]) });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`node exited (code ${code}, signal ${signal}) before serving; stderr:\n${stderr}`));
    });
  });
  const node: NodeProcess = {
    child,
    sqlPort: ports.sql,
    httpPort: ports.http,
    storeDir,
    stderr: () => stderr,
    exited,
    connectionString: (database = 'defaultdb') => `postgres://root@127.0.0.1:${ports.sql}/${database}`,
    client: async (database = 'defaultdb') => {
      const c = new pg.Client({ connectionString: node.connectionString(database) });
      await c.connect();
      return c;
    },
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return node;
}
