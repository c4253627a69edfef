// Acceptance 1: psql against a fresh node. Skips visibly when psql is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startNodeProcess, tempStoreDir, type NodeProcess } from './node-process.ts';

const psqlPath = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
const store = tempStoreDir();
let node: NodeProcess | undefined;

before(async () => {
  if (psqlPath !== '') node = await startNodeProcess(store.path);
});
after(async () => {
  await node?.kill();
  store.remove();
});

test('psql creates, fills and reads a table', { skip: psqlPath === '' ? 'psql is not installed (apt-get install postgresql-client)' : false }, () => {
  const url = node!.connectionString();
  const out = execFileSync(psqlPath, [url, '-X', '-c', "create table t(id int primary key, v text); insert into t values (1,'a'),(2,null); select * from t order by id"], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.match(out, /id \| v\s*\n-+\+-+\n\s+1 \| a\s*\n\s+2 \|\s*\n\(2 rows\)/);
});

test('psql reports a syntax error with its position', { skip: psqlPath === '' ? 'psql is not installed' : false }, () => {
  const res = spawnSync(psqlPath, [node!.connectionString(), '-X', '-v', 'ON_ERROR_STOP=1', '-c', 'select * fro t'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(res.status, 1);
  assert.match(res.stderr, /syntax error at or near "fro"/);
  assert.match(res.stderr, /LINE 1: select \* fro t/);
});
