// Acceptance 2 of issue 6: random frontend messages against a live node leave it serving.
// Each connection starts up (trust on loopback, the development default), then sends a
// stream of messages: mostly well-framed ones of every frontend type with random bodies
// (random SQL text, names, counts, formats), some with random type bytes, bad lengths or
// truncation. The node must answer a real client afterwards and still be running.
// TESSERA_FUZZ_MESSAGES sets the count (default 100,000: about 5 s here; TESSERA_FUZZ_DEBUG prints each FATAL),
// TESSERA_FUZZ_SEED the seed; the run is bounded by TESSERA_FUZZ_DEADLINE_MS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { serialize } from 'pg-protocol';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const messagesTotal = Number(process.env['TESSERA_FUZZ_MESSAGES'] ?? 100_000);
const seed = Number(process.env['TESSERA_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const deadlineMs = Number(process.env['TESSERA_FUZZ_DEADLINE_MS'] ?? 240_000);
const messagesPerConnection = 500;
const concurrentConnections = 4;

const store = tempStoreDir('tessera-fuzz-live-');
/** Bytes the node sent back: evidence that it processed the messages rather than dropping them. */
let answeredBytes = 0;
let node: NodeProcess | undefined;

before(async () => {
  node = await startNodeProcess(store.path);
  const c = await node.client();
  await c.query('create table fz (k int primary key, v text)');
  await c.query("insert into fz values (1, 'one'), (2, 'two')");
  // One connection in ten logs in as a user that needs SCRAM, and fuzzes the exchange.
  await c.query("create user fuzzer password 'fuzz-pw'");
  await c.query("alter system set server.host_based_authentication.configuration = 'host all fuzzer all scram-sha-256\nhost all all all trust'");
  await c.end();
});

after(async () => {
  await node?.kill();
  store.remove();
});

/** xorshift32: deterministic per seed. */
function rng(s: number): () => number {
  let x = s >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const fragments = ['select', '1', '*', 'from', 'fz', 'where', 'k', '=', '$1', 'insert into fz values', '(', ')', ',', "'x'", 'begin', 'commit', 'rollback', ';', 'set', 'statement_timeout', 'show', 'all', 'copy fz from stdin', 'copy fz to stdout', 'create table', 'grant', 'create role', 'null', '\u00e9', '\u0000'];

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s.replaceAll('\u0000', ''), 'utf8'), Buffer.from([0])]);
}

/**
 * One random message. `framedOnly`: only messages a well-behaved framer would send (their
 * contents still random), so the connection lives through the whole stream; otherwise
 * also garbage type bytes, bad lengths and truncation, which end the connection (08P01).
 */
function randomMessage(r: () => number, framedOnly: boolean): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number): number => Math.floor(r() * n);
  const sql = (): string => Array.from({ length: int(8) }, () => pick(fragments)).join(' ');
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: int(n) }, () => int(256)));
  const i16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return b;
  };
  const i32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const name = (): string => pick(['', 'a', 's1', 'p']);
  switch (int(framedOnly ? 12 : 16)) {
    case 0: case 1: case 2: return frame('Q', cstr(sql()));
    case 3: {
      const oids = Array.from({ length: int(3) }, () => i32(pick([0, 23, 25, 16, 17, 114, 1700, int(5000)])));
      return frame('P', Buffer.concat([cstr(name()), cstr(sql()), i16(oids.length), ...oids]));
    }
    case 4: {
      const params = Array.from({ length: int(3) }, () => (r() < 0.2 ? i32(-1) : (() => { const v = bytes(8); return Buffer.concat([i32(v.length), v]); })()));
      const formats = Array.from({ length: int(3) }, () => i16(pick([0, 1, framedOnly ? 0 : 2])));
      return frame('B', Buffer.concat([cstr(name()), cstr(name()), i16(formats.length), ...formats, i16(params.length), ...params, i16(1), i16(pick([0, 1]))]));
    }
    case 5: return frame('E', Buffer.concat([cstr(name()), i32(int(5))]));
    case 6: return frame('D', Buffer.concat([Buffer.from(pick(framedOnly ? ['S', 'P'] : ['S', 'P', 'X'])), cstr(name())]));
    case 7: return frame('C', Buffer.concat([Buffer.from(pick(framedOnly ? ['S', 'P'] : ['S', 'P', 'Z'])), cstr(name())]));
    case 8: case 9: return frame('S', Buffer.alloc(0));
    case 10: return frame('H', Buffer.alloc(0));
    case 11:
      if (!framedOnly) return frame(pick(['p', 'F', 'c', 'f']), bytes(24));
      return pick([frame('d', bytes(24)), frame('c', Buffer.alloc(0)), frame('f', cstr(sql()))]);
    case 12: return frame(pick(['Q', 'P', 'B', 'E', 'D', 'C', 'S']), bytes(40));
    case 13: return Buffer.concat([Buffer.from([int(256)]), bytes(12)]);
    case 14: {
      const b = frame('Q', cstr(sql()));
      b.writeInt32BE(pick([0, 3, -1, 0x7fff_ffff, int(100)]), 1);
      return b;
    }
    default: {
      const b = frame('Q', cstr(sql()));
      return b.subarray(0, int(b.length));
    }
  }
}

/** A random 'p' message: SASLInitialResponse/SASLResponse shapes with random contents, or bytes. */
function randomAuthMessage(r: () => number): Buffer {
  const int = (n: number): number => Math.floor(r() * n);
  const text = (n: number): string => Array.from({ length: int(n) }, () => String.fromCharCode(32 + int(95))).join('');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (int(4)) {
    case 0: {
      const data = Buffer.from(pick(['n,,n=,r=', 'y,,n=x,r=', 'p=tls-server-end-point,,n=,r=', 'n,a=x,n=,r=', '']) + text(30));
      const length = Buffer.alloc(4);
      length.writeInt32BE(pick([data.length, -1, data.length + 1, int(100)]));
      return frame('p', Buffer.concat([cstr(pick(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS', 'PLAIN', ''])), length, data]));
    }
    case 1:
      return frame('p', Buffer.from(`c=${pick(['biws', 'eSws', ''])},r=${text(40)},p=${Buffer.from(text(32)).toString('base64')}`));
    case 2:
      return frame('p', cstr(text(20)));
    default:
      return frame('p', Buffer.from(Array.from({ length: int(64) }, () => int(256))));
  }
}

/** One connection: startup, then `count` messages written as they are generated; resolves when the server closes or after a bound. */
function fuzzConnection(port: number, r: () => number, count: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      answeredBytes += d.length;
      if (process.env['TESSERA_FUZZ_DEBUG'] !== undefined && d.includes('FATAL')) console.log(d.toString('latin1').replace(/[^\x20-\x7e]/g, '.').slice(-200));
    });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 10_000);
    socket.on('close', done);
    socket.on('connect', () => {
      const auth = r() < 0.1;
      const parts = [serialize.startup({ user: auth ? 'fuzzer' : 'root', database: 'defaultdb' })];
      if (auth) for (let i = 0; i < 3; i++) parts.push(randomAuthMessage(r));
      const framedOnly = r() < 0.75;
      for (let i = 0; i < count; i++) parts.push(randomMessage(r, framedOnly));
      parts.push(serialize.end());
      socket.end(Buffer.concat(parts));
    });
  });
}

test(`${messagesTotal} random frontend messages leave the node serving (seed ${seed})`, { timeout: deadlineMs + 60_000 }, async () => {
  const r = rng(seed);
  const started = Date.now();
  let sent = 0;
  while (sent < messagesTotal && Date.now() - started < deadlineMs) {
    const batch: Promise<void>[] = [];
    for (let i = 0; i < concurrentConnections && sent < messagesTotal; i++) {
      const n = Math.min(messagesPerConnection, messagesTotal - sent);
      sent += n;
      batch.push(fuzzConnection(node!.sqlPort, r, n));
    }
    await Promise.all(batch);
  }
  const elapsedMs = Date.now() - started;
  console.log(`fuzz: ${sent} messages in ${elapsedMs} ms, ${answeredBytes} bytes answered (seed ${seed})`);
  assert.equal(sent, messagesTotal, `only ${sent} messages within ${deadlineMs} ms (seed ${seed})`);
  assert.equal(node!.child.exitCode, null, 'the node is still running');
  // The authentication exchange was fuzzed too, and nothing reached the error level (a bug).
  await new Promise((res) => setTimeout(res, 200));
  const log = node!.stderr();
  assert.match(log, /authentication failed/);
  assert.doesNotMatch(log, /"level":(50|60)/, 'an error-level log line means a bug was hit');
  const c = await node!.client();
  try {
    assert.ok((await c.query('select count(*)::int as n from fz')).rows[0].n >= 0);
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
  } finally {
    await c.end();
  }
});
