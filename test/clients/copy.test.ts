// COPY FROM STDIN / TO STDOUT against a real `tessera` node with pg-copy-streams and
// postgres.js: text and CSV, HEADER/DELIMITER/NULL/QUOTE, COPY (query), 100k rows in and
// out, a bad row's line number, CopyFail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import postgres from 'postgres';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const store = tempStoreDir('tessera-clients-copy-');
let node: NodeProcess;
let client: pg.Client;
// The acceptance size is 100k (TESSERA_COPY_ROWS=100000, ~35 s: COPY FROM is bound by the
// INSERT path, ~3k rows/s today); the default keeps the suite fast.
const loadRows = Number(process.env['TESSERA_COPY_ROWS'] ?? 20_000);

before(async () => {
  node = await startNodeProcess(store.path);
  client = new pg.Client({ connectionString: node.connectionString() });
  client.on('error', () => undefined);
  await client.connect();
});

after(async () => {
  await client?.end();
  await node?.kill();
  store.remove();
});

function* lines(n: number): Generator<string> {
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `${i}\tname ${i}\t${i % 7 === 0 ? '\\N' : (i / 4).toFixed(2)}\n`;
    if (chunk.length > 60_000) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

async function copyOut(sql: string): Promise<string> {
  let text = '';
  await pipeline(
    client.query(copyTo(sql)),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString('utf8');
        done();
      },
    }),
  );
  return text;
}

describe('COPY', () => {
  test(`pg-copy-streams: ${loadRows} rows in and out in text format`, async () => {
    await client.query('create table load (k int primary key, v text, n numeric)');
    const started = performance.now();
    const stream = client.query(copyFrom('COPY load FROM STDIN'));
    await pipeline(Readable.from(lines(loadRows)), stream);
    const inMs = performance.now() - started;
    assert.equal(stream.rowCount, loadRows);
    assert.equal((await client.query('select count(*) as n from load')).rows[0].n, String(loadRows));
    const outStarted = performance.now();
    const text = await copyOut('COPY load TO STDOUT');
    const outMs = performance.now() - outStarted;
    const out = text.split('\n');
    assert.equal(out.length, loadRows + 1);
    assert.equal(out[0], '0\tname 0\t\\N');
    assert.equal(out[1], '1\tname 1\t0.25');
    console.log(`COPY FROM ${Math.round(loadRows / (inMs / 1000))} rows/s, COPY TO ${Math.round(loadRows / (outMs / 1000))} rows/s`);
  });

  test('CSV with HEADER, DELIMITER, NULL and QUOTE round-trips awkward values', async () => {
    await client.query('create table csv (k int primary key, v text, b bool)');
    const data = 'k;v;b\n1;plain;t\n2;\'semi;colon\';f\n3;\'multi\nline "q" \'\'x\'\'\';NULL\n4;;t\n5;NULL;t\n';
    const opts = "WITH (FORMAT csv, HEADER true, DELIMITER ';', NULL 'NULL', QUOTE '''')";
    await pipeline(Readable.from([data]), client.query(copyFrom(`COPY csv FROM STDIN ${opts}`)));
    const rows = (await client.query('select k, v, b from csv order by k')).rows as { k: number; v: string | null; b: boolean | null }[];
    assert.deepEqual(rows, [
      { k: 1, v: 'plain', b: true },
      { k: 2, v: 'semi;colon', b: false },
      { k: 3, v: "multi\nline \"q\" 'x'", b: null },
      { k: 4, v: '', b: true },
      { k: 5, v: null, b: true },
    ]);
    assert.equal(await copyOut(`COPY csv TO STDOUT ${opts}`), data);
  });

  test('COPY (query) TO STDOUT in CSV with a header', async () => {
    const text = await copyOut("COPY (select k, v from csv where k < 3 order by k) TO STDOUT (FORMAT csv, HEADER)");
    assert.equal(text, 'k,v\n1,plain\n2,semi;colon\n');
  });

  test('a bad row fails the COPY with its line number; CopyFail cancels', async () => {
    await client.query('create table strict (k int primary key, v int)');
    const stream = client.query(copyFrom('COPY strict FROM STDIN'));
    await assert.rejects(pipeline(Readable.from(['1\t1\n2\t2\n3\tnot a number\n4\t4\n']), stream), (err: unknown) => {
      assert.equal((err as { code?: string }).code, '22P02');
      assert.match((err as { where?: string }).where ?? "", /^COPY strict, line 3, column v: "not a number"$/);
      return true;
    });
    const short = client.query(copyFrom('COPY strict FROM STDIN'));
    await assert.rejects(pipeline(Readable.from(['1\n']), short), (err: unknown) => {
      assert.equal((err as { code?: string }).code, '22P04');
      assert.match((err as Error).message, /missing data for column "v"/);
      return true;
    });
    assert.equal((await client.query('select count(*) as n from strict')).rows[0].n, '0');
  });

  test('a duplicate key fails the COPY with 23505 and the lines of its transaction, also inside BEGIN', async () => {
    await client.query('create table uniq (k int primary key)');
    await client.query('insert into uniq values (5)');
    const rows = Array.from({ length: 1200 }, (_, i) => `${i + 100}\n`).join('') + '5\n';
    await assert.rejects(pipeline(Readable.from([rows]), client.query(copyFrom('COPY uniq FROM STDIN'))), (err: unknown) => {
      assert.equal((err as { code?: string }).code, '23505');
      assert.equal((err as { detail?: string }).detail, "Key (k)=(5) already exists.");
      assert.match((err as { where?: string }).where ?? "", /COPY uniq, lines 1-1201/);
      return true;
    });
    assert.equal((await client.query('select count(*) as n from uniq')).rows[0].n, '1', 'nothing of the failed load is visible');
    await client.query('begin');
    await assert.rejects(pipeline(Readable.from(['7\n5\n']), client.query(copyFrom('COPY uniq FROM STDIN'))), (err: unknown) => {
      assert.equal((err as { code?: string }).code, '23505');
      return true;
    });
    await client.query('rollback');
    await pipeline(Readable.from(['6\n7\n']), client.query(copyFrom('COPY uniq FROM STDIN')));
    assert.deepEqual((await client.query('select k from uniq order by k')).rows, [{ k: 5 }, { k: 6 }, { k: 7 }]);
  });

  test('postgres.js COPY streams in and out', async () => {
    const sql = postgres(node.connectionString(), { max: 1, fetch_types: false, onnotice: () => undefined });
    try {
      await sql`create table pjs (k int primary key, v text)`;
      const writable = await sql`copy pjs from stdin`.writable();
      await pipeline(Readable.from(Array.from({ length: 1000 }, (_, i) => `${i}\tv${i}\n`)), writable);
      const readable = await sql`copy pjs to stdout`.readable();
      let text = '';
      for await (const chunk of readable) text += String(chunk);
      assert.equal(text.split('\n').length, 1001);
      assert.ok(text.startsWith('0\tv0\n1\tv1\n'));
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
