/**
 * Authentication of one connection, after its StartupMessage: the hba rule decides the
 * method, then the exchange runs over 'p' messages (PasswordMessage, SASLInitialResponse,
 * SASLResponse share that type byte). Methods: trust, reject, password (cleartext, only
 * over TLS), md5, scram-sha-256, cert (a verified client certificate whose CN is the user)
 * and cert-scram-sha-256 (cert when one is presented for this user, else SCRAM).
 *
 * A failure never tells the client whether the user exists: an unknown user, a user
 * without a password and a wrong password run the same exchange and get the same 28P01.
 * The log line says why.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import {
  checkCleartextPassword,
  checkMd5Response,
  decideHba,
  mockScramVerifier,
  normalizeAddress,
  parseVerifier,
  SCRAM_ITERATIONS_DEFAULT,
  SCRAM_MECHANISM,
  scramServerFinal,
  scramServerFirst,
  type HbaMethod,
  type HbaRule,
  type SqlService,
} from '../sql/index.ts';
import { assertNever } from '../util/index.ts';
import type { AuthenticationRequest } from './backend-writer.ts';

export interface AuthSubject {
  readonly user: string;
  readonly database: string;
  readonly address: string;
  readonly ssl: boolean;
  /** CN of a client certificate that verified against the node's CA, or null. */
  readonly certCommonName: string | null;
}

/** How the connection talks to the client during authentication. */
export interface AuthIo {
  /** Sends one request and flushes it. */
  send(request: AuthenticationRequest): void;
  /** The body of the client's next 'p' message; null when the client left or sent something else (already answered). */
  receive(): Promise<Uint8Array | null>;
}

export interface AuthConfig {
  readonly rules: readonly HbaRule[];
  readonly sqlService: SqlService;
  /** Per-node secret for the mock SCRAM salt of unknown users. */
  readonly mockSecret: Buffer;
}

export type AuthOutcome =
  | { readonly ok: true; readonly method: HbaMethod }
  /** `code`/`message` go to the client (FATAL); `reason` only to the log. null code: the client is gone. */
  | { readonly ok: false; readonly code: string | null; readonly message: string; readonly reason: string };

export async function authenticate(config: AuthConfig, subject: AuthSubject, io: AuthIo): Promise<AuthOutcome> {
  const rule = decideHba(config.rules, { ssl: subject.ssl, database: subject.database, user: subject.user, address: subject.address });
  const where = `host "${normalizeAddress(subject.address)}", user "${subject.user}", database "${subject.database}", ${subject.ssl ? 'SSL encryption' : 'no encryption'}`;
  if (rule === null) return { ok: false, code: '28000', message: `no pg_hba.conf entry for ${where}`, reason: 'no hba rule matches' };
  const method = rule.method;
  const passwordFailed = (reason: string): AuthOutcome => ({ ok: false, code: '28P01', message: `password authentication failed for user "${subject.user}"`, reason });
  switch (method) {
    case 'trust':
      return { ok: true, method };
    case 'reject':
      return { ok: false, code: '28000', message: `pg_hba.conf rejects connection for ${where}`, reason: `rejected by hba line ${rule.line}` };
    case 'cert':
      if (subject.certCommonName === subject.user) return { ok: true, method };
      return { ok: false, code: '28000', message: `certificate authentication failed for user "${subject.user}"`, reason: subject.certCommonName === null ? 'no verified client certificate' : `certificate CN is "${subject.certCommonName}"` };
    case 'cert-scram-sha-256':
      if (subject.certCommonName === subject.user) return { ok: true, method: 'cert' };
      return scram(config, subject, io, passwordFailed);
    case 'scram-sha-256':
      return scram(config, subject, io, passwordFailed);
    case 'md5':
      return md5(config, subject, io, passwordFailed);
    case 'password':
      return cleartext(config, subject, io, passwordFailed);
    default:
      return assertNever(method, 'hba method');
  }
}

type Fail = (reason: string) => AuthOutcome;

const clientLeft: AuthOutcome = { ok: false, code: null, message: '', reason: 'the client ended the connection during authentication' };

async function storedVerifier(config: AuthConfig, user: string): Promise<ReturnType<typeof parseVerifier>> {
  const text = (await config.sqlService.passwordVerifier?.(user)) ?? null;
  return text === null ? null : parseVerifier(text);
}

/** A NUL-terminated string at the start of `data`, or null. */
function cstring(data: Uint8Array): string | null {
  const end = data.indexOf(0);
  return end < 0 ? null : Buffer.from(data.subarray(0, end)).toString('utf8');
}

async function cleartext(config: AuthConfig, subject: AuthSubject, io: AuthIo, fail: Fail): Promise<AuthOutcome> {
  // A cleartext password on an unencrypted connection could be read by anyone on the path:
  // the server never asks for one.
  if (!subject.ssl) return { ok: false, code: '28000', message: 'password authentication requires an SSL-encrypted connection', reason: 'cleartext password method on a plain connection' };
  io.send({ kind: 'cleartext' });
  const data = await io.receive();
  if (data === null) return clientLeft;
  const password = cstring(data);
  const stored = await storedVerifier(config, subject.user);
  if (password === null) return { ok: false, code: '08P01', message: 'invalid password packet', reason: 'malformed password message' };
  if (stored === null) return fail('no such role, or the role has no password');
  return checkCleartextPassword(password, subject.user, stored) ? { ok: true, method: 'password' } : fail('wrong password');
}

async function md5(config: AuthConfig, subject: AuthSubject, io: AuthIo, fail: Fail): Promise<AuthOutcome> {
  const stored = await storedVerifier(config, subject.user);
  // PostgreSQL's rule: a user whose password is stored as SCRAM authenticates with SCRAM.
  // An unknown user (or one without a password) gets SCRAM too, over the mock verifier: new
  // passwords are SCRAM, so that is what most real users look like (PostgreSQL sends the
  // md5 challenge here, which tells SCRAM users apart from unknown ones).
  if (stored === null || stored.kind === 'scram-sha-256') return scram(config, subject, io, fail);
  const salt = randomBytes(4);
  io.send({ kind: 'md5', salt });
  const data = await io.receive();
  if (data === null) return clientLeft;
  const response = cstring(data);
  if (response === null) return { ok: false, code: '08P01', message: 'invalid password packet', reason: 'malformed md5 response' };
  return checkMd5Response(response, stored, salt) ? { ok: true, method: 'md5' } : fail('wrong password');
}

async function scram(config: AuthConfig, subject: AuthSubject, io: AuthIo, fail: Fail): Promise<AuthOutcome> {
  const stored = await storedVerifier(config, subject.user);
  const real = stored?.kind === 'scram-sha-256' ? stored : null;
  const verifier = real ?? mockScramVerifier(subject.user, config.mockSecret, SCRAM_ITERATIONS_DEFAULT);
  io.send({ kind: 'sasl', mechanisms: [SCRAM_MECHANISM] });
  const initial = await io.receive();
  if (initial === null) return clientLeft;
  const parsed = parseSaslInitial(initial);
  if (parsed === null) return { ok: false, code: '08P01', message: 'malformed SASLInitialResponse message', reason: 'malformed SASLInitialResponse' };
  if (parsed.mechanism !== SCRAM_MECHANISM) return { ok: false, code: '28000', message: `client selected an invalid SASL authentication mechanism`, reason: `mechanism ${parsed.mechanism}` };
  const first = scramServerFirst(parsed.response, verifier, real === null, randomBytes(18).toString('base64'));
  if (!first.ok) return { ok: false, code: '08P01', message: first.reason, reason: first.reason };
  io.send({ kind: 'sasl-continue', data: first.value.message });
  const final = await io.receive();
  if (final === null) return clientLeft;
  const done = scramServerFinal(first.value.state, Buffer.from(final).toString('utf8'));
  if (!done.ok) return fail(real === null ? 'no such role, or the role has no SCRAM password' : done.reason);
  io.send({ kind: 'sasl-final', data: done.value });
  return { ok: true, method: 'scram-sha-256' };
}

/** SASLInitialResponse: mechanism name (cstring), int32 length (-1 = none), data. */
function parseSaslInitial(data: Uint8Array): { mechanism: string; response: string } | null {
  const mechanism = cstring(data);
  if (mechanism === null) return null;
  const at = Buffer.byteLength(mechanism) + 1;
  if (data.length < at + 4) return null;
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const length = view.readInt32BE(at);
  const rest = view.subarray(at + 4);
  if (length === -1) return { mechanism, response: '' };
  if (length !== rest.length) return null;
  return { mechanism, response: rest.toString('utf8') };
}

/**
 * CN of the client's certificate when `ca` issued and signed it and it is valid now; null
 * otherwise. The TLS handshake already proved the client holds the certificate's key. (A
 * TLSSocket made from an accepted socket does not set `authorized`, so the chain is
 * checked here.)
 */
export function verifiedCommonName(secure: TLSSocket | null, ca: X509Certificate | null): string | null {
  if (secure === null || ca === null) return null;
  const peer = secure.getPeerX509Certificate();
  if (peer === undefined || !peer.checkIssued(ca) || !peer.verify(ca.publicKey)) return null;
  const now = Date.now();
  if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) return null;
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(peer.subject);
  return cn === null ? null : cn[1]!;
}
