// The codec against pg-protocol as an independent oracle: frontend messages serialized by
// pg-protocol decode to the same fields; backend messages we encode parse, in pg-protocol's
// Parser, to the same fields. Every stream is also split at every byte boundary (STYLE §18).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { BackendWriter } from '../../src/wire/backend-writer.ts';
import { FrontendDecoder } from '../../src/wire/frontend-decoder.ts';
import type { FrontendMessage } from '../../src/wire/frontend-messages.ts';
import { defaultWireLimits } from '../../src/wire/limits.ts';
import type { ColumnInfo } from '../../src/sql/index.ts';

/** Decodes all complete messages of `chunks`, in order; fails the test on a violation. */
function decodeAll(chunks: readonly Uint8Array[], phase: 'startup' | 'typed' = 'startup'): FrontendMessage[] {
  const decoder = new FrontendDecoder(defaultWireLimits, phase);
  const out: FrontendMessage[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (;;) {
      const r = decoder.next();
      if (r.kind === 'need-more') break;
      if (r.kind === 'error') assert.fail(`decode error: ${r.error.message}`);
      out.push(r.message);
    }
  }
  assert.equal(decoder.bufferedBytes, 0, 'no bytes left over');
  return out;
}

/** Plain data for deepEqual: Uint8Array views become arrays of numbers, Maps become entry lists. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([k, v]) => [k, plain(v)]);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Asserts that every two-way split (and a byte-at-a-time feed) decodes like the whole. */
function assertSplitInvariant(stream: Buffer, expected: readonly FrontendMessage[], phase: 'startup' | 'typed' = 'startup'): void {
  const want = plain(expected);
  assert.deepEqual(plain(decodeAll([stream], phase)), want);
  for (let i = 1; i < stream.length; i++) {
    assert.deepEqual(plain(decodeAll([stream.subarray(0, i), stream.subarray(i)], phase)), want, `split at ${i}`);
  }
  const bytes = [...stream].map((b) => Uint8Array.of(b));
  assert.deepEqual(plain(decodeAll(bytes, phase)), want, 'byte at a time');
}

// pg-protocol's serializer reuses one internal buffer, so each result is copied at once.
const s = (b: Buffer): Buffer => Buffer.from(b);

describe('frontend decoder vs pg-protocol serialize', () => {
  test('startup then every typed message', () => {
    const binary = Buffer.from([0, 1, 2, 255]);
    const parts: [Buffer, FrontendMessage][] = [
      [
        s(serialize.startup({ user: 'alice', database: 'shop', application_name: 'tëst', options: '-c x=y' })),
        {
          kind: 'startup',
          protocolMajor: 3,
          protocolMinor: 0,
          params: new Map([['user', 'alice'], ['database', 'shop'], ['application_name', 'tëst'], ['options', '-c x=y'], ['client_encoding', 'UTF8']]),
        },
      ],
      [s(serialize.query('select 1; select ünïcode')), { kind: 'query', sql: 'select 1; select ünïcode' }],
      [s(serialize.query('')), { kind: 'query', sql: '' }],
      [s(serialize.parse({ text: 'select $1, $2', types: [23, 25] })), { kind: 'parse', name: '', sql: 'select $1, $2', paramTypeOids: [23, 25] }],
      [s(serialize.parse({ name: 'st', text: 'select 1', types: [0xffff_fff0] })), { kind: 'parse', name: 'st', sql: 'select 1', paramTypeOids: [0xffff_fff0] }],
      [
        s(serialize.bind({ portal: 'p', statement: 'st', values: ['a', null, binary, ''], binary: true })),
        {
          kind: 'bind',
          portal: 'p',
          statement: 'st',
          paramFormats: [0, 0, 1, 0],
          params: [Buffer.from('a'), null, binary, Buffer.alloc(0)],
          resultFormats: [1],
        },
      ],
      [s(serialize.bind({})), { kind: 'bind', portal: '', statement: '', paramFormats: [], params: [], resultFormats: [0] }],
      [s(serialize.describe({ type: 'S', name: 'st' })), { kind: 'describe', target: 'statement', name: 'st' }],
      [s(serialize.describe({ type: 'P' })), { kind: 'describe', target: 'portal', name: '' }],
      [s(serialize.execute()), { kind: 'execute', portal: '', maxRows: 0 }],
      [s(serialize.execute({ portal: 'p', rows: 7 })), { kind: 'execute', portal: 'p', maxRows: 7 }],
      [s(serialize.close({ type: 'S', name: 'st' })), { kind: 'close', target: 'statement', name: 'st' }],
      [s(serialize.close({ type: 'P', name: 'p' })), { kind: 'close', target: 'portal', name: 'p' }],
      [s(serialize.flush()), { kind: 'flush' }],
      [s(serialize.sync()), { kind: 'sync' }],
      [s(serialize.password('sekret')), { kind: 'password', data: Buffer.from('sekret\0') }],
      [s(serialize.copyData(Buffer.from('1\t2\n'))), { kind: 'copy-data', data: Buffer.from('1\t2\n') }],
      [s(serialize.copyDone()), { kind: 'copy-done' }],
      [s(serialize.copyFail('gave up')), { kind: 'copy-fail', message: 'gave up' }],
      [s(serialize.end()), { kind: 'terminate' }],
    ];
    assertSplitInvariant(Buffer.concat(parts.map(([b]) => b)), parts.map(([, m]) => m));
  });

  test('SSLRequest, GSSENCRequest and CancelRequest in the startup phase', () => {
    const gssenc = Buffer.alloc(8);
    gssenc.writeInt32BE(8);
    gssenc.writeInt32BE(80877104, 4);
    const stream = Buffer.concat([s(serialize.requestSsl()), gssenc, s(serialize.startup({ user: 'u' }))]);
    assertSplitInvariant(stream, [
      { kind: 'ssl-request' },
      { kind: 'gssenc-request' },
      { kind: 'startup', protocolMajor: 3, protocolMinor: 0, params: new Map([['user', 'u'], ['client_encoding', 'UTF8']]) },
    ]);
    assertSplitInvariant(s(serialize.cancel(12345, -42)), [{ kind: 'cancel-request', processId: 12345, secretKey: -42 }]);
  });

  test('after the startup message the decoder is in the typed phase', () => {
    const decoder = new FrontendDecoder(defaultWireLimits);
    decoder.push(s(serialize.startup({ user: 'u' })));
    assert.equal(decoder.next().kind, 'message');
    assert.equal(decoder.phase, 'typed');
  });
});

const columns: ColumnInfo[] = [
  { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typeSize: 4, typeMod: -1, format: 0 },
  { name: 'näme', tableOid: 0, columnAttr: 0, typeOid: 1043, typeSize: -1, typeMod: 68, format: 1 },
];

/** Our encoding of one of each backend message, and what pg-protocol must parse from it. */
function backendStream(): { bytes: Buffer; expected: unknown[] } {
  const w = new BackendWriter();
  const expected: unknown[] = [];
  w.authenticationOk();
  expected.push({ name: 'authenticationOk' });
  w.parameterStatus('server_version', '16.0');
  expected.push({ name: 'parameterStatus', parameterName: 'server_version', parameterValue: '16.0' });
  w.backendKeyData(1234, -5678);
  expected.push({ name: 'backendKeyData', processID: 1234, secretKey: -5678 });
  for (const status of ['idle', 'in-transaction', 'failed'] as const) w.readyForQuery(status);
  expected.push(...['I', 'T', 'E'].map((status) => ({ name: 'readyForQuery', status })));
  w.rowDescription(columns);
  expected.push({
    name: 'rowDescription',
    fields: [
      { name: 'id', tableID: 16384, columnID: 1, dataTypeID: 23, dataTypeSize: 4, dataTypeModifier: -1, format: 'text' },
      { name: 'näme', tableID: 0, columnID: 0, dataTypeID: 1043, dataTypeSize: -1, dataTypeModifier: 68, format: 'binary' },
    ],
  });
  w.dataRows([['1', 'äb'], [null, Buffer.from('raw')], ['', '']]);
  expected.push({ name: 'dataRow', fields: ['1', 'äb'] }, { name: 'dataRow', fields: [null, 'raw'] }, { name: 'dataRow', fields: ['', ''] });
  w.dataRow([]);
  expected.push({ name: 'dataRow', fields: [] });
  w.commandComplete('SELECT 3');
  expected.push({ name: 'commandComplete', text: 'SELECT 3' });
  w.emptyQueryResponse();
  expected.push({ name: 'emptyQuery' });
  const allFields = {
    severity: 'ERROR', code: '23505', message: 'duplicate key', detail: 'Key (id)=(1) exists.', hint: 'h', position: 17,
    internalPosition: 3, internalQuery: 'iq', where: 'w', schema: 'public', table: 't', column: 'c', dataType: 'int4',
    constraint: 't_pkey', file: 'nbtinsert.c', line: 666, routine: '_bt_check_unique',
  };
  w.errorResponse(allFields);
  expected.push({ ...allFields, name: 'error', position: '17', internalPosition: '3', line: '666' });
  w.noticeResponse({ severity: 'NOTICE', code: '00000', message: 'hi' });
  expected.push({ name: 'notice', severity: 'NOTICE', code: '00000', message: 'hi' });
  w.parseComplete();
  w.bindComplete();
  w.closeComplete();
  w.noData();
  w.portalSuspended();
  expected.push(...['parseComplete', 'bindComplete', 'closeComplete', 'noData', 'portalSuspended'].map((name) => ({ name })));
  w.parameterDescription([23, 25, 0xffff_fff0]);
  expected.push({ name: 'parameterDescription', dataTypeIDs: [23, 25, 0xffff_fff0] });
  const bytes = w.take();
  assert.ok(bytes !== null);
  return { bytes, expected };
}

/** The fields of a parsed message that `expected` names, so the comparison ignores pg-protocol extras. */
function pick(message: BackendMessage, like: unknown): unknown {
  const source = message as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(like as Record<string, unknown>)) {
    const value = key === 'message' ? (message as unknown as Error).message : source[key];
    out[key] = Array.isArray(value) ? value.map((v: unknown) => (v !== null && typeof v === 'object' ? { ...v } : v)) : value;
  }
  return out;
}

function parseAll(chunks: readonly Buffer[]): BackendMessage[] {
  const parser = new Parser();
  const out: BackendMessage[] = [];
  // The Parser may write into a chunk it was given (it compacts in place), so it gets copies.
  for (const chunk of chunks) parser.parse(Buffer.from(chunk), (m) => out.push(m));
  return out;
}

describe('backend writer vs pg-protocol Parser', () => {
  test('every message parses to the same fields, at every split', () => {
    const { bytes, expected } = backendStream();
    const check = (parsed: BackendMessage[], where: string): void => {
      assert.equal(parsed.length, expected.length, where);
      parsed.forEach((m, i) => assert.deepEqual(pick(m, expected[i]), expected[i], `${where}, message ${i}`));
    };
    check(parseAll([bytes]), 'whole');
    for (let i = 1; i < bytes.length; i++) check(parseAll([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`);
  });

  test('large batches grow the buffer and hand it over; small ones are copied out', () => {
    const w = new BackendWriter();
    const big = 'y'.repeat(100_000);
    w.dataRows([[big], [big]]);
    const first = w.take();
    assert.ok(first !== null);
    const snapshot = Buffer.from(first);
    const parsed = parseAll([first]) as unknown as { fields: string[] }[];
    assert.deepEqual(parsed.map((m) => m.fields[0]?.length), [100_000, 100_000]);
    w.commandComplete('SELECT 2');
    const second = w.take();
    assert.ok(second !== null);
    assert.ok(first.equals(snapshot), 'the handed-over batch is not written into again');
    assert.deepEqual((parseAll([second])[0] as unknown as { text: string }).text, 'SELECT 2');
    assert.equal(w.take(), null);
  });

  test('NegotiateProtocolVersion (pg-protocol does not parse it; checked by hand)', () => {
    const w = new BackendWriter();
    w.negotiateProtocolVersion(0, ['_pq_.x']);
    const b = w.take();
    assert.ok(b !== null);
    assert.deepEqual([...b], [0x76, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 1, ...Buffer.from('_pq_.x\0')]);
  });

  test('the SSL answer is one unframed byte', () => {
    const w = new BackendWriter();
    w.encryptionAnswer(false);
    assert.deepEqual(w.take(), Buffer.from('N'));
  });
});
