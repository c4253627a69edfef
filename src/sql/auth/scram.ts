/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: two pure
 * steps over the client's messages. No channel binding is offered (SCRAM-SHA-256-PLUS is
 * not advertised), so a client may send the gs2 flag 'n' or 'y' but not 'p'. The user name
 * inside the SCRAM messages is ignored, as in PostgreSQL: the startup packet's user counts.
 *
 * For a user that does not exist (or has no SCRAM verifier) the caller runs the same
 * exchange over a mock verifier and the exchange fails at the proof, so the client cannot
 * tell an unknown user from a wrong password.
 */
import { constantTimeEqual, hmacSha256, sha256, type ScramVerifier } from './password.ts';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';

/** What the server remembers between its first and its final message. */
export interface ScramState {
  readonly verifier: ScramVerifier;
  /** True when the verifier is a stand-in: the exchange must fail whatever the proof. */
  readonly mock: boolean;
  readonly gs2Header: string;
  readonly clientFirstBare: string;
  readonly serverFirst: string;
  readonly nonce: string;
}

export type ScramStep<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const printable = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * Handles client-first-message; `serverNonce` is fresh random printable text from the
 * caller. Returns the server-first-message and the state for the final step.
 */
export function scramServerFirst(clientFirst: string, verifier: ScramVerifier, mock: boolean, serverNonce: string): ScramStep<{ readonly message: string; readonly state: ScramState }> {
  const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/.exec(clientFirst);
  if (m === null) return { ok: false, reason: 'malformed SCRAM client-first-message' };
  const flag = m[1]!;
  if (flag.startsWith('p=')) return { ok: false, reason: 'channel binding was requested but the server did not offer SCRAM-SHA-256-PLUS' };
  const clientFirstBare = m[3]!;
  const attrs = clientFirstBare.split(',');
  if (attrs[0]?.startsWith('m=') === true) return { ok: false, reason: 'SCRAM extensions are not supported' };
  const nonceAttr = attrs.find((a) => a.startsWith('r='));
  if (attrs[0]?.startsWith('n=') !== true || nonceAttr === undefined) return { ok: false, reason: 'malformed SCRAM client-first-message' };
  const clientNonce = nonceAttr.slice(2);
  if (clientNonce === '' || !printable.test(clientNonce) || !printable.test(serverNonce)) return { ok: false, reason: 'invalid SCRAM nonce' };
  const nonce = clientNonce + serverNonce;
  const serverFirst = `r=${nonce},s=${verifier.salt.toString('base64')},i=${verifier.iterations}`;
  const gs2Header = clientFirst.slice(0, clientFirst.length - clientFirstBare.length);
  return { ok: true, value: { message: serverFirst, state: { verifier, mock, gs2Header, clientFirstBare, serverFirst, nonce } } };
}

/**
 * Handles client-final-message: checks the channel-binding echo, the nonce and the proof.
 * On success returns server-final-message (`v=<ServerSignature>`), which proves to the
 * client that the server knows the verifier too.
 */
export function scramServerFinal(state: ScramState, clientFinal: string): ScramStep<string> {
  const proofAt = clientFinal.lastIndexOf(',p=');
  if (proofAt < 0) return { ok: false, reason: 'malformed SCRAM client-final-message' };
  const withoutProof = clientFinal.slice(0, proofAt);
  const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
  const attrs = withoutProof.split(',');
  if (attrs[0] !== `c=${Buffer.from(state.gs2Header).toString('base64')}`) return { ok: false, reason: 'SCRAM channel binding check failed' };
  if (attrs[1] !== `r=${state.nonce}`) return { ok: false, reason: 'SCRAM nonce mismatch' };
  const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
  const clientSignature = hmacSha256(state.verifier.storedKey, authMessage);
  if (proof.length !== clientSignature.length) return { ok: false, reason: 'malformed SCRAM proof' };
  const clientKey = Buffer.alloc(proof.length);
  for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
  const matches = constantTimeEqual(sha256(clientKey), state.verifier.storedKey);
  if (!matches || state.mock) return { ok: false, reason: 'SCRAM proof does not match' };
  return { ok: true, value: `v=${hmacSha256(state.verifier.serverKey, authMessage).toString('base64')}` };
}

/**
 * A stand-in verifier for a user without one: its salt is derived from the user name and
 * a per-node secret (so repeated attempts see the same salt, as for a real user) and its
 * keys match no password.
 */
export function mockScramVerifier(user: string, nodeSecret: Buffer, iterations: number): ScramVerifier {
  const salt = hmacSha256(nodeSecret, `salt:${user}`).subarray(0, 16);
  return { kind: 'scram-sha-256', iterations, salt, storedKey: hmacSha256(nodeSecret, `stored:${user}`), serverKey: hmacSha256(nodeSecret, `server:${user}`) };
}
