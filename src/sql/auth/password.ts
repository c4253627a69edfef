/**
 * Stored password verifiers, in PostgreSQL's formats so that a dump of pg_authid would
 * read the same:
 *
 *   SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>   (RFC 5802/7677)
 *   md5<hex md5(password || username)>
 *
 * Everything here is synchronous and deterministic given its inputs: the caller passes the
 * random salt in (wire/sql take it from node:crypto). The plain password is never stored.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/** PostgreSQL's default scram_iterations. */
export const SCRAM_ITERATIONS_DEFAULT = 4096;
/** Bytes of salt in a new SCRAM verifier (PostgreSQL uses 16). */
export const SCRAM_SALT_BYTES = 16;

export interface ScramVerifier {
  readonly kind: 'scram-sha-256';
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export type PasswordVerifier = ScramVerifier | { readonly kind: 'md5'; readonly hash: string };

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

export function hmacSha256(key: Buffer, data: Buffer | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * SaltedPassword := Hi(Normalize(password), salt, i). SASLprep is approximated by NFKC
 * normalisation; PostgreSQL falls back to the raw bytes when SASLprep fails, which is what
 * an ASCII password is either way.
 */
export function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
}

/** The SCRAM keys of a password: what the server keeps instead of the password. */
export function scramVerifierOf(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS_DEFAULT): ScramVerifier {
  const salted = saltedPassword(password, salt, iterations);
  const clientKey = hmacSha256(salted, 'Client Key');
  return { kind: 'scram-sha-256', iterations, salt, storedKey: sha256(clientKey), serverKey: hmacSha256(salted, 'Server Key') };
}

export function formatScramVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

/** md5 || hex(md5(password || user)): PostgreSQL's md5 format (salted with the user name). */
export function md5Verifier(password: string, user: string): string {
  return 'md5' + createHash('md5').update(password + user).digest('hex');
}

/** Reads a stored verifier; null for anything else (a malformed or unknown format never matches). */
export function parseVerifier(stored: string): PasswordVerifier | null {
  if (/^md5[0-9a-f]{32}$/.test(stored)) return { kind: 'md5', hash: stored };
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(stored);
  if (m === null) return null;
  const iterations = Number(m[1]);
  const storedKey = Buffer.from(m[3]!, 'base64');
  const serverKey = Buffer.from(m[4]!, 'base64');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || storedKey.length !== 32 || serverKey.length !== 32) return null;
  return { kind: 'scram-sha-256', iterations, salt: Buffer.from(m[2]!, 'base64'), storedKey, serverKey };
}

/**
 * The text to store for a password given in CREATE/ALTER ROLE: an already-hashed value
 * (md5... or SCRAM-SHA-256$...) is stored as given, as PostgreSQL does; anything else is
 * hashed with SCRAM-SHA-256 (password_encryption's default).
 */
export function verifierForNewPassword(password: string, salt: Buffer): string {
  if (parseVerifier(password) !== null) return password;
  return formatScramVerifier(scramVerifierOf(password, salt));
}

/** Checks a cleartext password (the 'password' method) against a stored verifier. */
export function checkCleartextPassword(password: string, user: string, stored: PasswordVerifier): boolean {
  if (stored.kind === 'md5') return constantTimeEqual(Buffer.from(md5Verifier(password, user)), Buffer.from(stored.hash));
  const computed = scramVerifierOf(password, stored.salt, stored.iterations);
  return constantTimeEqual(computed.storedKey, stored.storedKey) && constantTimeEqual(computed.serverKey, stored.serverKey);
}

/**
 * The md5 method: the client answers md5(hex(md5(password || user)) || salt). Only an md5
 * verifier can check it; callers use SCRAM for users with a SCRAM verifier instead.
 */
export function checkMd5Response(response: string, stored: { readonly hash: string }, salt: Buffer): boolean {
  const expected = 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(stored.hash.slice(3)), salt])).digest('hex');
  return constantTimeEqual(Buffer.from(response), Buffer.from(expected));
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
