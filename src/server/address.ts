/** A HOST:PORT pair as given on the command line. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses 'HOST:PORT', '[::1]:PORT' or ':PORT' (host defaults to `defaultHost`).
 * Returns a reason instead of throwing so the CLI can print it.
 */
export function parseHostPort(text: string, defaultHost = '127.0.0.1'): HostPort | { error: string } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim());
  if (match === null) return { error: `expected HOST:PORT, got "${text}"` };
  const host = match[1] ?? (match[2] === '' || match[2] === undefined ? defaultHost : match[2]);
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { error: `port out of range in "${text}"` };
  return { host, port };
}

export function formatHostPort(addr: HostPort): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}
