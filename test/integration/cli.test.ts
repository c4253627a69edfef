// The command line: version, help for every command, usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './node-process.ts';

test('tessera version prints the version', async () => {
  const { code, stdout } = await runCli(['version']);
  assert.equal(code, 0);
  assert.match(stdout, /^Tessera \d+\.\d+\.\d+ \(PostgreSQL 15/);
});

test('--help works for the program and for every command', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /start-single-node/);
  for (const cmd of ['start-single-node', 'version', 'cert create-ca', 'cert create-node', 'cert create-client']) {
    const { code, stdout } = await runCli([...cmd.split(' '), '--help']);
    assert.equal(code, 0, cmd);
    assert.match(stdout, /Usage: tessera/);
  }
  const start = await runCli(['start-single-node', '--help']);
  for (const flag of ['--store', '--sql-addr', '--http-addr']) assert.match(start.stdout, new RegExp(flag));
});

test('usage errors name the problem', async () => {
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const badFlag = await runCli(['start-single-node', '--no-such-flag']);
  assert.equal(badFlag.code, 2);
  const badAddr = await runCli(['start-single-node', '--sql-addr', 'nonsense']);
  assert.equal(badAddr.code, 2);
  assert.match(badAddr.stderr, /--sql-addr: expected HOST:PORT/);
});
