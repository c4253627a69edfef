// A throwaway PostgreSQL server for side-by-side benchmarks: initdb into a temp dir, start
// on a free loopback port with default durability (fsync on, synchronous_commit on), stop
// and remove it afterwards. Returns null (and says why) when PostgreSQL is not installed.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface PostgresServer {
  readonly port: number;
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

function findBin(name: string): string | null {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (onPath !== '') return onPath;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  for (const v of readdirSync(base).sort().reverse()) {
    const p = join(base, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Runs `args` as the unprivileged postgres user when we are root (postgres refuses root). */
function asPostgresUser(args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...args] : args;
}

export async function startPostgres(): Promise<PostgresServer | null> {
  const initdb = findBin('initdb');
  const postgres = findBin('postgres');
  if (initdb === null || postgres === null) {
    console.log('PostgreSQL is not installed (apt-get install postgresql): skipping the comparison');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const [initCmd, ...initArgs] = asPostgresUser([initdb, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  execFileSync(initCmd!, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const [cmd, ...args] = asPostgresUser([postgres, '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200']);
  const child: ChildProcess = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!/ready to accept connections/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const version = execFileSync(postgres, ['--version'], { encoding: 'utf8' }).trim();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
