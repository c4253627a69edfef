// `tessera demo --nodes 3` starts a local three-node cluster in one process and prints the
// SQL URLs; a table written through the last node is read through the first.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { tempStoreDir } from '../integration/node-process.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
let child: ChildProcess | null = null;
const dir = tempStoreDir('tessera-demo-test-');
after(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  dir.remove();
});

test('tessera demo --nodes 3 prints three SQL URLs that serve one cluster', { timeout: 120_000 }, async () => {
  child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'demo', '--nodes', '3', '--dir', dir.path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const urls = await new Promise<string[]>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no URLs within 90 s; stdout:\n${out}\nstderr:\n${err}`)), 90_000);
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = [...out.matchAll(/node \d+: (postgres:\/\/\S+)/g)].map((m) => m[1] as string);
      if (found.length === 3 && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        res(found);
      }
    });
    child!.once('exit', (code) => rej(new Error(`demo exited ${code}; stderr:\n${err}`)));
  });
  assert.equal(new Set(urls).size, 3);
  const c3 = new pg.Client({ connectionString: urls[2] });
  await c3.connect();
  try {
    await c3.query('CREATE TABLE demo (k INT PRIMARY KEY, v TEXT)');
    await c3.query("INSERT INTO demo VALUES (1, 'a'), (2, 'b')");
  } finally {
    await c3.end();
  }
  const c1 = new pg.Client({ connectionString: urls[0] });
  await c1.connect();
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const rows = (await c1.query('SELECT k, v FROM demo ORDER BY k')).rows;
        assert.deepEqual(rows, [{ k: 1, v: 'a' }, { k: 2, v: 'b' }]);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await c1.end();
  }
});
