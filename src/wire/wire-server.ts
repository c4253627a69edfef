import { createSecureContext, type SecureContext } from 'node:tls';
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes, X509Certificate } from 'node:crypto';
import type { HbaRule, SqlService } from '../sql/index.ts';
import type { Env } from '../util/index.ts';
import { CancelRegistry, cryptoInt32 } from './cancel-registry.ts';
import { BackendWriter } from './backend-writer.ts';
import { fatal } from './client-error.ts';
import { Connection } from './connection.ts';
import { resolveWireLimits, type WireLimits } from './limits.ts';

export interface WireServerOptions {
  /** Logger (pino) and the rest of the world; connections log through `env.logger`. */
  readonly env: Env;
  /** Overrides of the defaults in `defaultWireLimits`. */
  readonly limits?: Partial<WireLimits>;
  /** PEM key and certificate (and CA) of the node: with them SSLRequest is answered 'S'. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer; readonly ca?: string | Buffer };
  /**
   * Source of BackendKeyData process ids and secrets (positive int32). Defaults to
   * node:crypto, because a guessable secret would let anyone cancel others' queries.
   */
  readonly cancelKeySource?: () => number;
  /**
   * Host-based authentication rules (first match wins). Default: trust every connection,
   * which suits tests; a node passes its configured or default rules (sql's defaultHbaRules).
   */
  readonly hba?: readonly HbaRule[] | (() => Promise<readonly HbaRule[]>);
}

const trustAll: readonly HbaRule[] = [{ connType: 'host', databases: null, users: null, address: { kind: 'all' }, method: 'trust', line: 0 }];

export interface WireAddress {
  readonly host: string;
  readonly port: number;
}

export interface WireCloseOptions {
  /** How long running statements may take to finish before their connections are cut. Default 5000. */
  readonly drainMs?: number;
}

/**
 * The PostgreSQL wire-protocol server of one node: accepts TCP connections and serves each
 * with a `Connection` over a `Session` from `sqlService`. A failure in one connection
 * closes that connection only.
 */
export class WireServer {
  private readonly limits: WireLimits;
  private readonly cancelRegistry: CancelRegistry;
  private readonly connections = new Map<Connection, Promise<void>>();
  private server: Server | null = null;
  private nextConnectionId = 1;
  private closing = false;
  private readonly tls: SecureContext | null;
  private readonly authMockSecret = randomBytes(32);
  private readonly clientCa: X509Certificate | null;

  constructor(
    private readonly sqlService: SqlService,
    private readonly options: WireServerOptions,
  ) {
    this.limits = resolveWireLimits(options.limits);
    this.cancelRegistry = new CancelRegistry(options.cancelKeySource ?? cryptoInt32);
    const t = options.tls;
    this.clientCa = t?.ca === undefined ? null : new X509Certificate(t.ca);
    this.tls = t === undefined ? null : createSecureContext({ key: t.key, cert: t.cert, ...(t.ca === undefined ? {} : { ca: t.ca }), minVersion: 'TLSv1.2' });
  }

  /** Live connections, for metrics and tests. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Starts accepting on host:port (port 0 picks a free one); resolves with the bound address. */
  listen(host: string, port: number): Promise<WireAddress> {
    if (this.server !== null || this.closing) return Promise.reject(new Error('WireServer is already listening or closed'));
    const server = createServer({ noDelay: true }, (socket) => void this.serveConnection(socket));
    this.server = server;
    return new Promise<WireAddress>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.env.logger.error({ err }, 'wire listener error'));
        const address = server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error(`unexpected listen address ${String(address)}`));
          return;
        }
        this.options.env.logger.info({ host: address.address, port: address.port }, 'pgwire listening');
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /**
   * Serves one accepted socket until it closes; never rejects. Exposed so a node can hand
   * over sockets it accepted itself (a shared port, a test harness).
   */
  serveConnection(socket: Socket): Promise<void> {
    if (this.closing) {
      socket.destroy();
      return Promise.resolve();
    }
    if (this.connections.size >= this.limits.connectionsMax) {
      this.options.env.logger.warn({ connectionsMax: this.limits.connectionsMax }, 'too many connections; refusing one');
      refuseConnection(socket, '53300', 'sorry, too many clients already');
      return Promise.resolve();
    }
    const logger = this.options.env.logger.child({ conn: this.nextConnectionId++, remote: socket.remoteAddress });
    const connection = new Connection(socket, {
      sqlService: this.sqlService,
      limits: this.limits,
      cancelRegistry: this.cancelRegistry,
      logger,
      tls: this.tls,
      clientCa: this.clientCa,
      hbaRules: this.options.hba ?? trustAll,
      authMockSecret: this.authMockSecret,
    });
    const done = connection.run().finally(() => this.connections.delete(connection));
    this.connections.set(connection, done);
    return done;
  }

  /**
   * Graceful shutdown: stops accepting, lets each connection end at its next quiet point
   * (idle connections get FATAL 57P01 at once), and after `drainMs` cancels what still runs
   * and drops those sockets. Resolves when every connection's session is closed.
   */
  async close(options: WireCloseOptions = {}): Promise<void> {
    const drainMs = options.drainMs ?? 5000;
    this.closing = true;
    const server = this.server;
    this.server = null;
    const stopped = server === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections.keys()) connection.requestShutdown();
    const allDone = (): Promise<unknown> => Promise.all(this.connections.values());
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), drainMs);
    });
    const outcome = await Promise.race([allDone().then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.env.logger.warn({ connections: this.connections.size }, 'drain timed out; closing connections');
      for (const connection of this.connections.keys()) connection.destroy();
      await allDone();
    }
    await stopped;
  }
}

/**
 * Turns a connection away before any protocol exchange (too many connections). The client
 * reads the FATAL ErrorResponse as the answer to its startup packet, as with PostgreSQL.
 */
export function refuseConnection(socket: Socket, code: string, message: string): void {
  const out = new BackendWriter();
  out.errorResponse(fatal(code, message));
  socket.on('error', () => undefined);
  const batch = out.take();
  if (batch !== null) socket.end(batch, () => socket.destroy());
}
