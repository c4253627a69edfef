// Property tests for the frontend decoder: whatever bytes arrive, in whatever chunks, it
// returns messages, 'need-more' or one sticky ProtocolViolation; it never throws and never
// buffers beyond one message's limit plus the chunk that message ended in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serialize } from 'pg-protocol';
import { FrontendDecoder, type DecodeResult } from '../../src/wire/frontend-decoder.ts';
import type { FrontendMessage } from '../../src/wire/frontend-messages.ts';
import { resolveWireLimits } from '../../src/wire/limits.ts';

const limits = resolveWireLimits({ startupMessageBytesMax: 64, smallMessageBytesMax: 32, messageBytesMax: 128 });
/** Roomy enough for every generated valid message (12 code points of up to 4 bytes per string). */
const roomyLimits = resolveWireLimits({ startupMessageBytesMax: 64, smallMessageBytesMax: 256, messageBytesMax: 1024 });
type Limits = typeof limits;
const defaultTestLimits = limits;
const chunkBytesMax = 40;

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    if (p > start) out.push(bytes.subarray(start, p));
    start = Math.max(start, p);
  }
  return out;
}

interface Run {
  readonly messages: FrontendMessage[];
  readonly error: DecodeResult | null;
}

/** Feeds chunks, draining after each, and checks the buffering bound on every step. */
function feed(chunks: readonly Uint8Array[], phase: 'startup' | 'typed', limits: Limits = defaultTestLimits): Run {
  const decoder = new FrontendDecoder(limits, phase);
  const messages: FrontendMessage[] = [];
  let error: DecodeResult | null = null;
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (;;) {
      const r = decoder.next();
      if (r.kind === 'need-more') break;
      if (r.kind === 'error') {
        assert.equal(r.error.code, '08P01');
        assert.equal(decoder.bufferedBytes, 0, 'a failed decoder holds nothing');
        assert.deepEqual(decoder.next(), r, 'the violation is sticky');
        error = r;
        break;
      }
      messages.push(r.message);
    }
    // A partial message is never longer than its limit (type byte included).
    const bound = Math.max(limits.startupMessageBytesMax, limits.messageBytesMax + 1);
    assert.ok(decoder.bufferedBytes < bound, `buffered ${decoder.bufferedBytes} >= ${bound}`);
    if (error !== null) break;
  }
  return { messages, error };
}

const chunked = (maxBytes: number): fc.Arbitrary<{ bytes: Uint8Array; cuts: number[] }> =>
  fc.record({ bytes: fc.uint8Array({ maxLength: maxBytes }), cuts: fc.array(fc.nat(), { maxLength: 8 }) });

test('random bytes in either phase: no throw, bounded buffering', () => {
  fc.assert(
    fc.property(chunked(400), fc.constantFrom('startup' as const, 'typed' as const), ({ bytes, cuts }, phase) => {
      const chunks = cut(bytes, cuts).flatMap((c) => cut(c, Array.from({ length: Math.floor(c.length / chunkBytesMax) }, (_, i) => (i + 1) * chunkBytesMax)));
      feed(chunks, phase);
    }),
    { numRuns: 2000 },
  );
});

const cstring = fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replaceAll('\0', ''));

/** Valid typed messages that fit the test limits, serialized by pg-protocol. */
const validMessage: fc.Arbitrary<Buffer> = fc.oneof(
  cstring.map((sql) => Buffer.from(serialize.query(sql))),
  fc.record({ name: cstring, text: cstring, types: fc.array(fc.nat(), { maxLength: 3 }) }).map((p) => Buffer.from(serialize.parse(p))),
  fc.record({ portal: cstring, statement: cstring, values: fc.array(fc.option(cstring), { maxLength: 3 }) }).map((b) =>
    Buffer.from(serialize.bind({ portal: b.portal, statement: b.statement, values: b.values }))),
  fc.record({ portal: cstring, rows: fc.nat({ max: 100 }) }).map((e) => Buffer.from(serialize.execute(e))),
  fc.record({ type: fc.constantFrom('S' as const, 'P' as const), name: cstring }).map((d) => Buffer.from(serialize.describe(d))),
  fc.record({ type: fc.constantFrom('S' as const, 'P' as const), name: cstring }).map((d) => Buffer.from(serialize.close(d))),
  fc.constant(null).map(() => Buffer.from(serialize.sync())),
  fc.constant(null).map(() => Buffer.from(serialize.flush())),
);

test('valid messages truncated anywhere: a prefix of the messages, then need-more, never an error', () => {
  fc.assert(
    fc.property(fc.array(validMessage, { minLength: 1, maxLength: 6 }), fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), (parts, truncateAt, cuts) => {
      const stream = Buffer.concat(parts);
      const whole = feed([stream], 'typed', roomyLimits);
      assert.equal(whole.error, null);
      assert.equal(whole.messages.length, parts.length);
      const prefix = stream.subarray(0, truncateAt % (stream.length + 1));
      const partial = feed(cut(prefix, cuts), 'typed', roomyLimits);
      assert.equal(partial.error, null);
      assert.deepEqual(partial.messages, whole.messages.slice(0, partial.messages.length));
    }),
    { numRuns: 1000 },
  );
});

test('valid messages with one byte corrupted: no throw', () => {
  fc.assert(
    fc.property(fc.array(validMessage, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (parts, at, value) => {
      const stream = Buffer.concat(parts);
      stream[at % stream.length] = value;
      feed([stream], 'typed');
    }),
    { numRuns: 2000 },
  );
});

test('an oversized length is refused from the header alone', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...'QPBd'.split('')),
      fc.integer({ min: limits.messageBytesMax + 1, max: 0x7fff_ffff }),
      (type, length) => {
        const header = Buffer.alloc(5);
        header[0] = type.charCodeAt(0);
        header.writeInt32BE(length, 1);
        const run = feed([header], 'typed');
        assert.equal(run.error?.kind === 'error' && run.error.error.reason, 'message-too-large');
      },
    ),
  );
  // Small control messages have their own, lower limit.
  const sync = Buffer.from([0x53, 0, 0, 0, limits.smallMessageBytesMax + 1]);
  const run = feed([sync], 'typed');
  assert.equal(run.error?.kind === 'error' && run.error.error.reason, 'message-too-large');
});

test('startup-phase lengths outside [8, limit] are refused', () => {
  for (const length of [0, 4, 7, limits.startupMessageBytesMax + 1, -1]) {
    const header = Buffer.alloc(8);
    header.writeInt32BE(length);
    const run = feed([header], 'startup');
    assert.equal(run.error?.kind === 'error' && run.error.error.reason, 'startup-length', `length ${length}`);
  }
});

test('malformed bodies are structured errors', () => {
  const cases: [string, Buffer][] = [
    ['unterminated string', Buffer.from([0x51, 0, 0, 0, 6, 0x61, 0x62])],
    ['trailing garbage', Buffer.from([0x53, 0, 0, 0, 5, 0x00])],
    ['bad describe subtype', Buffer.from([0x44, 0, 0, 0, 6, 0x58, 0])],
    ['negative param count', Buffer.from([0x42, 0, 0, 0, 10, 0, 0, 0, 0, 0xff, 0xff])],
    ['param length past end', Buffer.from([0x42, 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0x61, 0])],
    ['length below 4', Buffer.from([0x51, 0, 0, 0, 3])],
    ['unknown type', Buffer.from([0x7a])],
  ];
  for (const [what, bytes] of cases) {
    const run = feed([bytes], 'typed');
    assert.ok(run.error?.kind === 'error', what);
  }
});
