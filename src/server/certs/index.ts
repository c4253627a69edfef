/**
 * Certificates for TLS, made with WebCrypto keys (ECDSA P-256) and @peculiar/x509: a CA,
 * node certificates signed by it (serverAuth and clientAuth, with the node's host names
 * and addresses as subjectAltNames) and client certificates for a user (CN=<user>), laid
 * out as CockroachDB does: ca.crt, node.crt/node.key, client.<user>.crt/client.<user>.key
 * in the certs directory, the CA's key wherever the operator keeps it safe.
 *
 * Its own entry point (not re-exported by server/index.ts) so that starting a node does not
 * load the X.509 library; the CLI imports it only for `tessera cert`.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata
// polyfill loaded first.
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { TesseraError } from '../../util/index.ts';

type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertOptions {
  readonly certsDir: string;
  /** Path of the CA's private key (PEM, PKCS#8). */
  readonly caKeyPath: string;
  readonly lifetimeDays: number;
  /** Replace existing files instead of refusing. */
  readonly overwrite: boolean;
}

/** Valid from a minute ago (clock skew between machines) for `lifetimeDays`. */
function validity(lifetimeDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + lifetimeDays * DAY_MS) };
}

function serialNumber(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

function writeOnce(path: string, text: string, overwrite: boolean, mode: number): void {
  if (existsSync(path) && !overwrite) throw new TesseraError('file-exists', `${path} already exists (pass --overwrite to replace it)`);
  writeFileSync(path, text, { mode });
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function loadCa(options: CertOptions): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const certPath = join(options.certsDir, 'ca.crt');
  if (!existsSync(certPath)) throw new TesseraError('ca-missing', `${certPath} does not exist: run tessera cert create-ca first`);
  if (!existsSync(options.caKeyPath)) throw new TesseraError('ca-missing', `CA key ${options.caKeyPath} does not exist`);
  const cert = new x509.X509Certificate(readFileSync(certPath, 'utf8'));
  const der = x509.PemConverter.decodeFirst(readFileSync(options.caKeyPath, 'utf8'));
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { cert, key };
}

/** Creates ca.crt in the certs directory and the CA key at `caKeyPath`. */
export async function createCa(options: CertOptions): Promise<string[]> {
  mkdirSync(options.certsDir, { recursive: true });
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=Tessera CA,O=Tessera',
    ...validity(options.lifetimeDays),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const certPath = join(options.certsDir, 'ca.crt');
  writeOnce(options.caKeyPath, await exportKey(keys.privateKey), options.overwrite, 0o600);
  writeOnce(certPath, cert.toString('pem'), options.overwrite, 0o644);
  return [certPath, options.caKeyPath];
}

async function issue(options: CertOptions, subject: string, names: readonly x509.JsonGeneralName[], basename: string): Promise<string[]> {
  const ca = await loadCa(options);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: ca.cert.subject,
    ...validity(options.lifetimeDays),
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: algorithm,
    extensions,
  });
  const keyPath = join(options.certsDir, `${basename}.key`);
  const certPath = join(options.certsDir, `${basename}.crt`);
  writeOnce(keyPath, await exportKey(keys.privateKey), options.overwrite, 0o600);
  writeOnce(certPath, cert.toString('pem'), options.overwrite, 0o644);
  return [certPath, keyPath];
}

/** Creates node.crt/node.key for `hosts` (DNS names or IP addresses clients dial). */
export function createNodeCert(options: CertOptions, hosts: readonly string[]): Promise<string[]> {
  if (hosts.length === 0) throw new TesseraError('bad-argument', 'name at least one host (DNS name or IP address) the node is reached by');
  const names = hosts.map((h): x509.JsonGeneralName => (isIP(h) !== 0 ? { type: 'ip', value: h } : { type: 'dns', value: h }));
  return issue(options, 'CN=node,O=Tessera', names, 'node');
}

/** Creates client.<user>.crt/.key with CN=<user>. */
export function createClientCert(options: CertOptions, user: string): Promise<string[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(user)) throw new TesseraError('bad-argument', `"${user}" is not a valid user name`);
  return issue(options, `CN=${user},O=Tessera`, [], `client.${user}`);
}
