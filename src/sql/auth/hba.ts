/**
 * Host-based authentication rules, in the shape of PostgreSQL's pg_hba.conf:
 *
 *   # TYPE     DATABASE  USER   ADDRESS        METHOD
 *   hostssl    all       all    0.0.0.0/0      scram-sha-256
 *   host       all       all    127.0.0.1/32   trust
 *
 * The first rule whose connection type, database, user and address match decides the
 * method; no match refuses the connection (28000). `decideHba` is pure; parsing reports
 * the line of the first error. Beyond PostgreSQL's methods there is `cert-scram-sha-256`:
 * a verified client certificate whose CN is the user, else SCRAM (CockroachDB's
 * cert-password), the default of a node with certificates.
 */
import { BlockList, isIP } from 'node:net';

export type HbaMethod = 'trust' | 'reject' | 'password' | 'md5' | 'scram-sha-256' | 'cert' | 'cert-scram-sha-256';

const methods: ReadonlySet<string> = new Set<HbaMethod>(['trust', 'reject', 'password', 'md5', 'scram-sha-256', 'cert', 'cert-scram-sha-256']);

export type HbaAddress = { readonly kind: 'all' } | { readonly kind: 'cidr'; readonly ip: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' };

export interface HbaRule {
  /** host: TLS or not; hostssl: TLS only; hostnossl: plain text only. */
  readonly connType: 'host' | 'hostssl' | 'hostnossl';
  /** Database names, or null for `all`. */
  readonly databases: readonly string[] | null;
  /** User names, or null for `all`. */
  readonly users: readonly string[] | null;
  readonly address: HbaAddress;
  readonly method: HbaMethod;
  /** 1-based line in its file (0 for built-in rules), for log lines. */
  readonly line: number;
}

export interface HbaConnection {
  readonly ssl: boolean;
  readonly database: string;
  readonly user: string;
  /** The client's IP address as the socket reports it (IPv4-mapped IPv6 is read as IPv4). */
  readonly address: string;
}

/** The rule that applies to a connection, or null when none does (the connection is refused). */
export function decideHba(rules: readonly HbaRule[], conn: HbaConnection): HbaRule | null {
  const address = normalizeAddress(conn.address);
  for (const rule of rules) {
    if (rule.connType === 'hostssl' && !conn.ssl) continue;
    if (rule.connType === 'hostnossl' && conn.ssl) continue;
    if (rule.databases !== null && !rule.databases.includes(conn.database)) continue;
    if (rule.users !== null && !rule.users.includes(conn.user)) continue;
    if (!addressMatches(rule.address, address)) continue;
    return rule;
  }
  return null;
}

export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped !== null ? mapped[1]! : address;
}

function addressMatches(rule: HbaAddress, address: string): boolean {
  if (rule.kind === 'all') return true;
  const family = isIP(address);
  if (family === 0 || (family === 4) !== (rule.family === 'ipv4')) return false;
  const list = new BlockList();
  list.addSubnet(rule.ip, rule.prefix, rule.family);
  return list.check(address, rule.family);
}

export type HbaParse = { readonly ok: true; readonly rules: readonly HbaRule[] } | { readonly ok: false; readonly error: string };

/** Parses pg_hba.conf-style text: one rule a line, `#` comments, comma-separated names. */
export function parseHba(text: string): HbaParse {
  const rules: HbaRule[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const rule = parseRule(line.split(/\s+/), i + 1);
    if (typeof rule === 'string') return { ok: false, error: `line ${i + 1}: ${rule}` };
    rules.push(rule);
  }
  return { ok: true, rules };
}

function parseRule(fields: readonly string[], line: number): HbaRule | string {
  if (fields.length !== 5) return `expected 5 fields (type database user address method), got ${fields.length}`;
  const [type, dbs, users, addr, method] = fields as [string, string, string, string, string];
  if (type !== 'host' && type !== 'hostssl' && type !== 'hostnossl') return `connection type "${type}" is not one of host, hostssl, hostnossl`;
  if (!methods.has(method)) return `unknown authentication method "${method}"`;
  const address = parseAddress(addr);
  if (typeof address === 'string') return address;
  const names = (s: string): readonly string[] | null => (s === 'all' ? null : s.split(',').filter((n) => n !== ''));
  return { connType: type, databases: names(dbs), users: names(users), address, method: method as HbaMethod, line };
}

function parseAddress(text: string): HbaAddress | string {
  if (text === 'all') return { kind: 'all' };
  const [ip = '', prefixText] = text.split('/');
  const family = isIP(ip);
  if (family === 0) return `"${text}" is not an IP address, a CIDR range or all`;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return `bad prefix length in "${text}"`;
  return { kind: 'cidr', ip, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The rules a node uses without an hba file. With certificates every connection must use
 * TLS and prove who it is (client certificate or SCRAM). Without them (a loopback-only
 * node, or --insecure) loopback connections are trusted, the development default, and
 * other addresses need SCRAM.
 */
export function defaultHbaRules(hasCertificates: boolean): readonly HbaRule[] {
  const all: HbaAddress = { kind: 'all' };
  const rule = (connType: HbaRule['connType'], address: HbaAddress, method: HbaMethod): HbaRule => ({ connType, databases: null, users: null, address, method, line: 0 });
  if (hasCertificates) return [rule('hostssl', all, 'cert-scram-sha-256')];
  return [
    rule('host', { kind: 'cidr', ip: '127.0.0.0', prefix: 8, family: 'ipv4' }, 'trust'),
    rule('host', { kind: 'cidr', ip: '::1', prefix: 128, family: 'ipv6' }, 'trust'),
    rule('host', all, 'scram-sha-256'),
  ];
}

/** One rule as a pg_hba.conf line, for the start-up log. */
export function formatHbaRule(rule: HbaRule): string {
  const addr = rule.address.kind === 'all' ? 'all' : `${rule.address.ip}/${rule.address.prefix}`;
  return [rule.connType, rule.databases?.join(',') ?? 'all', rule.users?.join(',') ?? 'all', addr, rule.method].join(' ');
}
