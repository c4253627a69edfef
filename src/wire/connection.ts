import type { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { SqlError, type ColumnInfo, type CopyInSink, type HbaRule, type QueryEvent, type Session, type SqlService } from '../sql/index.ts';
import { authenticate, verifiedCommonName, type AuthIo } from './authenticate.ts';
import { assertNever, type Logger } from '../util/index.ts';
import type { CancelRegistry } from './cancel-registry.ts';
import { fatal, isUnexpected, protocolViolationFields, sqlErrorFields, toClientError } from './client-error.ts';
import type { DecodeResult } from './frontend-decoder.ts';
import type { FrontendMessage } from './frontend-messages.ts';
import type { WireLimits } from './limits.ts';
import { SocketChannel } from './socket-channel.ts';

export interface ConnectionContext {
  readonly sqlService: SqlService;
  readonly limits: WireLimits;
  readonly cancelRegistry: CancelRegistry;
  readonly logger: Logger;
  /** Present when the node has certificates: SSLRequest is answered 'S' (TLS 1.2+). */
  readonly tls: SecureContext | null;
  /** The CA client certificates must chain to; with it TLS clients are asked for a certificate. */
  readonly clientCa: X509Certificate | null;
  /** Host-based authentication rules (first match decides the method), or where to read them per connection. */
  readonly hbaRules: readonly HbaRule[] | (() => Promise<readonly HbaRule[]>);
  /** Per-node secret behind the mock SCRAM salt of unknown users. */
  readonly authMockSecret: Buffer;
}

/** Startup parameters that are not passed on to sql as options. */
const reservedStartupParams = new Set(['user', 'database']);

/** What handling one message asks of the loop. */
type Next = 'continue' | 'stop';

type ExtendedKind = 'parse' | 'bind' | 'describe' | 'execute' | 'close';

/**
 * The protocol state machine of one client connection: startup, then simple and extended
 * query cycles until Terminate, EOF, a protocol violation or shutdown. `run()` owns the
 * session: whatever ends the connection, the session is closed exactly once.
 *
 * Seams for later work: `answerEncryptionRequest` (TLS), `authenticate` (SCRAM/md5), the
 * copy-* message cases (COPY FROM STDIN), and `cancel-request` (already wired to the registry).
 */
export class Connection {
  /** Replaced once, by the TLS channel, when the client asks for encryption. */
  private channel: SocketChannel;
  private encrypted = false;
  /** The TLS socket once the client asked for encryption: its peer certificate authenticates. */
  private tlsSocket: TLSSocket | null = null;
  private readonly remoteAddress: string;
  private session: Session | null = null;
  private processId: number | null = null;
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private ignoreTillSync = false;
  /** The last message sent was ReadyForQuery: a clean point to stop at for shutdown. */
  private atQueryBoundary = false;
  private shutdownRequested = false;
  /** idle_in_transaction_session_timeout fired: the loop ends the connection with 25P03. */
  private idleTimedOut = false;

  constructor(
    socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.channel = new SocketChannel(socket, ctx.limits, ctx.logger);
    this.remoteAddress = socket.remoteAddress ?? '';
  }

  /** Serves the connection to its end. Never rejects: an unexpected error closes only this connection. */
  async run(): Promise<void> {
    try {
      if (await this.startupWithTimeout()) await this.messageLoop();
      this.channel.end();
    } catch (err) {
      this.ctx.logger.error({ err }, 'connection failed unexpectedly; closing it');
      this.channel.destroy();
    } finally {
      await this.release();
    }
  }

  /**
   * Asks the connection to end at its next quiet point: at once when idle, else after the
   * running statement (or extended-protocol batch up to Sync) has answered.
   */
  requestShutdown(): void {
    this.shutdownRequested = true;
    this.channel.wakeInput();
  }

  /** Ends the connection now: cancels the running statement and drops the socket. */
  destroy(): void {
    this.session?.cancel();
    this.channel.destroy();
  }

  private async release(): Promise<void> {
    if (this.processId !== null) this.ctx.cancelRegistry.unregister(this.processId);
    const session = this.session;
    this.session = null;
    if (session === null) return;
    try {
      await session.close();
    } catch (err) {
      this.ctx.logger.error({ err }, 'session close failed');
    }
  }

  /** The next decoded message, waiting for input as needed; null when the connection should end quietly. */
  private async nextMessage(): Promise<Exclude<DecodeResult, { kind: 'need-more' }> | null> {
    for (;;) {
      const result = this.channel.next();
      if (result.kind !== 'need-more') return result;
      if (this.channel.inputDone || this.shutdownRequested || this.idleTimedOut) return null;
      await this.waitForInputWithIdleTimeout();
    }
  }

  /**
   * Waits for input; inside a transaction block, at most idle_in_transaction_session_timeout,
   * because an idle open transaction holds intents and blocks other writers.
   */
  private async waitForInputWithIdleTimeout(): Promise<void> {
    const session = this.session;
    const status = session?.transactionStatus() ?? 'idle';
    const timeoutMs = status === 'idle' ? 0 : (session?.idleInTransactionTimeoutMs?.() ?? 0);
    if (timeoutMs <= 0) return this.channel.waitForInput();
    const timer = setTimeout(() => {
      this.idleTimedOut = true;
      this.channel.wakeInput();
    }, timeoutMs);
    try {
      await this.channel.waitForInput();
    } finally {
      clearTimeout(timer);
    }
  }

  /** A client that connects and says nothing (or too slowly) must not hold a connection slot forever. */
  private async startupWithTimeout(): Promise<boolean> {
    const timer = setTimeout(() => {
      this.ctx.logger.info({ timeoutMs: this.ctx.limits.startupTimeoutMs }, 'startup timed out; closing');
      this.channel.destroy();
    }, this.ctx.limits.startupTimeoutMs);
    try {
      return await this.startup();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Startup phase; true when the session is open and the client has its ReadyForQuery. */
  private async startup(): Promise<boolean> {
    for (;;) {
      const result = await this.nextMessage();
      if (result === null) {
        if (this.shutdownRequested && !this.channel.closed) {
          this.channel.out.errorResponse(fatal('57P03', 'the database system is shutting down'));
        }
        return false;
      }
      if (result.kind === 'error') {
        this.ctx.logger.info({ reason: result.error.reason }, result.error.message);
        this.channel.out.errorResponse(protocolViolationFields(result.error));
        return false;
      }
      const message = result.message;
      switch (message.kind) {
        case 'ssl-request':
        case 'gssenc-request':
          if (!(await this.answerEncryptionRequest(message.kind))) return false;
          continue;
        case 'cancel-request':
          // PostgreSQL answers a CancelRequest with nothing but closing the connection.
          this.ctx.cancelRegistry.cancel(message);
          return false;
        case 'startup':
          return this.acceptStartup(message);
        default:
          // The decoder yields only startup-phase kinds before the first StartupMessage.
          throw new Error(`unexpected ${message.kind} in startup phase`);
      }
    }
  }

  /**
   * SSLRequest with certificates: 'S', then TLS on the same socket. GSSENCRequest, a second
   * SSLRequest, or no certificates: 'N', and the client goes on in plain text (or gives up).
   * Returns false when the connection must end.
   */
  private async answerEncryptionRequest(kind: 'ssl-request' | 'gssenc-request'): Promise<boolean> {
    const tlsContext = this.ctx.tls;
    if (kind === 'gssenc-request' || tlsContext === null || this.encrypted) {
      this.channel.out.encryptionAnswer(false);
      this.channel.flush();
      return true;
    }
    // Bytes after the SSLRequest, before the handshake, would be read as if they had come
    // encrypted: a man in the middle could inject them (CVE-2021-23214).
    if (this.channel.decoder.bufferedBytes > 0) {
      this.channel.out.errorResponse(fatal('08P01', 'received unencrypted data after SSL request'));
      return false;
    }
    this.channel.out.encryptionAnswer(true);
    const raw = await this.channel.detach();
    // A client certificate is asked for but not required: hba decides whether one is needed.
    const secure = new TLSSocket(raw, { isServer: true, secureContext: tlsContext, requestCert: this.ctx.clientCa !== null, rejectUnauthorized: false });
    this.tlsSocket = secure;
    this.channel = new SocketChannel(secure, this.ctx.limits, this.ctx.logger);
    this.encrypted = true;
    return true;
  }

  private async acceptStartup(message: Extract<FrontendMessage, { kind: 'startup' }>): Promise<boolean> {
    const out = this.channel.out;
    if (message.protocolMajor !== 3) {
      const version = `${message.protocolMajor}.${message.protocolMinor}`;
      out.errorResponse(fatal('0A000', `unsupported frontend protocol ${version}: server supports 3.0 to 3.0`));
      return false;
    }
    const protocolOptions = [...message.params.keys()].filter((name) => name.startsWith('_pq_.'));
    if (message.protocolMinor > 0 || protocolOptions.length > 0) out.negotiateProtocolVersion(0, protocolOptions);
    const user = message.params.get('user');
    if (user === undefined || user === '') {
      out.errorResponse(fatal('28000', 'no PostgreSQL user name specified in startup packet'));
      return false;
    }
    const database = message.params.get('database') ?? user;
    const options = new Map([...message.params].filter(([name]) => !reservedStartupParams.has(name) && !name.startsWith('_pq_.')));
    if (!(await this.authenticate(user, database))) return false;

    let session: Session;
    try {
      session = await this.ctx.sqlService.openSession({ user, database, options, remoteAddress: this.remoteAddress });
    } catch (err) {
      this.writeError(err, 'FATAL');
      return false;
    }
    this.session = session;
    // The client may have gone while the session was opening; release() closes it.
    if (this.channel.closed) return false;
    for (const [name, value] of session.initialParameterStatus()) out.parameterStatus(name, value);
    const key = this.ctx.cancelRegistry.register(session);
    this.processId = key.processId;
    out.backendKeyData(key.processId, key.secretKey);
    this.readyForQuery();
    return true;
  }

  /**
   * Runs the hba-chosen method; on success sends AuthenticationOk. A failure is FATAL with
   * the method's SQLSTATE (28P01, 28000) and is logged with its reason.
   */
  private async authenticate(user: string, database: string): Promise<boolean> {
    const io: AuthIo = {
      send: (request) => {
        this.channel.out.authenticationRequest(request);
        this.channel.flush();
      },
      receive: () => this.receivePassword(),
    };
    const subject = { user, database, address: this.remoteAddress, ssl: this.encrypted, certCommonName: verifiedCommonName(this.tlsSocket, this.ctx.clientCa) };
    const source = this.ctx.hbaRules;
    const rules = typeof source === 'function' ? await source() : source;
    const outcome = await authenticate({ rules, sqlService: this.ctx.sqlService, mockSecret: this.ctx.authMockSecret }, subject, io);
    if (outcome.ok) {
      this.channel.out.authenticationOk();
      return true;
    }
    this.ctx.logger.warn({ user, database, ssl: this.encrypted, reason: outcome.reason }, 'authentication failed');
    if (outcome.code !== null && !this.channel.closed) this.channel.out.errorResponse(fatal(outcome.code, outcome.message));
    return false;
  }

  /** The next 'p' message during authentication; anything else ends the connection (08P01). */
  private async receivePassword(): Promise<Uint8Array | null> {
    const result = await this.nextMessage();
    if (result === null) return null;
    if (result.kind === 'error') {
      this.channel.out.errorResponse(protocolViolationFields(result.error));
      return null;
    }
    if (result.message.kind !== 'password') {
      this.channel.out.errorResponse(fatal('08P01', `expected password response, got message type ${result.message.kind}`));
      return null;
    }
    return result.message.data;
  }

  private async messageLoop(): Promise<void> {
    for (;;) {
      if (this.shutdownRequested && this.atQueryBoundary) return this.terminateForShutdown();
      const result = await this.nextMessage();
      if (result === null) {
        if (this.idleTimedOut && !this.channel.closed) {
          this.ctx.logger.info('idle-in-transaction timeout; closing the connection');
          this.channel.out.errorResponse(fatal('25P03', 'terminating connection due to idle-in-transaction timeout'));
        } else if (this.shutdownRequested && !this.channel.inputDone) this.terminateForShutdown();
        return;
      }
      if (result.kind === 'error') {
        this.ctx.logger.info({ reason: result.error.reason }, result.error.message);
        this.channel.out.errorResponse(protocolViolationFields(result.error));
        return;
      }
      this.atQueryBoundary = false;
      if ((await this.handle(result.message)) === 'stop') return;
      if (this.channel.closed) return;
    }
  }

  private terminateForShutdown(): void {
    this.channel.out.errorResponse(fatal('57P01', 'terminating connection due to administrator command'));
  }

  private async handle(message: FrontendMessage): Promise<Next> {
    if (this.ignoreTillSync && message.kind !== 'sync' && message.kind !== 'terminate') return 'continue';
    const session = this.session;
    if (session === null) throw new Error('message loop without a session');
    switch (message.kind) {
      case 'query':
        await this.simpleQuery(session, message.sql);
        return 'continue';
      case 'parse':
      case 'bind':
      case 'describe':
      case 'execute':
      case 'close':
        await this.extended(() => this.extendedStep(session, message));
        return 'continue';
      case 'sync':
        this.ignoreTillSync = false;
        try {
          await session.sync();
        } catch (err) {
          this.writeError(err);
        }
        this.readyForQuery();
        return 'continue';
      case 'flush':
        this.channel.flush();
        return 'continue';
      case 'terminate':
        return 'stop';
      case 'copy-data':
      case 'copy-done':
      case 'copy-fail':
        // Outside COPY these are ignored, as PostgreSQL does: a client may still be
        // streaming data for a COPY that already failed.
        return 'continue';
      case 'function-call':
        this.writeError(new SqlError({ code: '0A000', message: 'the fast-path function call protocol is not supported' }));
        this.readyForQuery();
        return 'continue';
      case 'password':
      case 'startup':
      case 'ssl-request':
      case 'gssenc-request':
      case 'cancel-request':
        this.channel.out.errorResponse(fatal('08P01', `unexpected ${message.kind} message after startup`));
        return 'stop';
      default:
        return assertNever(message, 'frontend message');
    }
  }

  /** One extended-protocol message; throws what the session throws (see `extended`). */
  private async extendedStep(session: Session, message: Extract<FrontendMessage, { kind: ExtendedKind }>): Promise<void> {
    const out = this.channel.out;
    switch (message.kind) {
      case 'parse':
        await session.prepare(message.name, message.sql, message.paramTypeOids);
        out.parseComplete();
        return;
      case 'bind':
        await session.bind(message.portal, message.statement, message.params, message.paramFormats, message.resultFormats);
        out.bindComplete();
        return;
      case 'describe':
        if (message.target === 'statement') {
          const description = session.describeStatement(message.name);
          out.parameterDescription(description.paramTypeOids);
          this.describeColumns(description.columns);
        } else {
          this.describeColumns(session.describePortal(message.name));
        }
        return;
      case 'execute':
        // 'S' (0x53) is Sync: nothing else of this batch can run in the implicit transaction.
        await this.stream(session.execute(message.portal, message.maxRows, { lastBeforeSync: this.channel.decoder.peekCompleteType() === 0x53 }), 'extended');
        return;
      case 'close':
        if (message.target === 'statement') session.closeStatement(message.name);
        else session.closePortal(message.name);
        out.closeComplete();
        return;
      default:
        assertNever(message, 'extended-protocol message');
    }
  }

  private describeColumns(columns: readonly ColumnInfo[] | null): void {
    if (columns === null) this.channel.out.noData();
    else this.channel.out.rowDescription(columns);
  }

  private async simpleQuery(session: Session, sql: string): Promise<void> {
    try {
      await this.stream(session.query(sql), 'simple');
    } catch (err) {
      this.writeError(err);
    }
    this.readyForQuery();
  }

  /** Runs one extended-protocol step; an error is reported once and the rest of the batch is skipped until Sync. */
  private async extended(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.writeError(err);
      this.ignoreTillSync = true;
    }
  }

  /**
   * Encodes a statement's events as they come. Rows arrive in batches, so there is one
   * await per batch, and an extra one only when the output must drain.
   */
  private async stream(events: AsyncIterable<QueryEvent>, mode: 'simple' | 'extended'): Promise<void> {
    const out = this.channel.out;
    let copyOut = false;
    for await (const event of events) {
      switch (event.kind) {
        case 'copy-out':
          out.copyResponse('out', event.columnCount);
          copyOut = true;
          break;
        case 'copy-data':
          out.copyData(event.data);
          break;
        case 'copy-in':
          out.copyResponse('in', event.columnCount);
          this.channel.flush();
          await this.copyIn(event.sink);
          break;
        case 'rows':
          out.dataRows(event.rows);
          break;
        case 'row-description':
          // In the extended protocol the description goes out only in answer to Describe.
          if (mode === 'simple') out.rowDescription(event.columns);
          break;
        case 'command-complete':
          if (copyOut) out.copyDone();
          copyOut = false;
          out.commandComplete(event.tag);
          break;
        case 'empty-query':
          out.emptyQueryResponse();
          break;
        case 'portal-suspended':
          out.portalSuspended();
          break;
        case 'notice':
          out.noticeResponse(event.notice);
          break;
        case 'parameter-status':
          out.parameterStatus(event.name, event.value);
          break;
        default:
          assertNever(event, 'query event');
      }
      if (this.channel.needsRelief()) await this.channel.relieve();
      // Leaving the loop calls return() on the iterator, which stops the statement in sql.
      if (this.channel.closed) break;
    }
  }

  /**
   * COPY FROM STDIN's sub-protocol: CopyData goes to the sink (awaited, so a slow load slows
   * the client through TCP), until CopyDone or CopyFail. Flush and Sync are ignored inside
   * COPY, as PostgreSQL does; anything else is a protocol violation that fails the COPY.
   */
  private async copyIn(sink: CopyInSink): Promise<void> {
    for (;;) {
      const result = await this.nextMessage();
      if (result === null || result.kind === 'error') {
        sink.end('the connection ended during COPY');
        if (result !== null) {
          this.channel.out.errorResponse(protocolViolationFields(result.error));
          this.channel.destroy();
        }
        return;
      }
      const message = result.message;
      switch (message.kind) {
        case 'copy-data':
          await sink.write(message.data);
          break;
        case 'copy-done':
          sink.end(null);
          return;
        case 'copy-fail':
          sink.end(message.message);
          return;
        case 'flush':
        case 'sync':
          break;
        default:
          sink.end(`unexpected ${message.kind} message during COPY from stdin`);
          this.channel.out.errorResponse(fatal('08P01', `unexpected ${message.kind} message during COPY from stdin`));
          this.channel.destroy();
          return;
      }
    }
  }

  private writeError(err: unknown, severity?: 'FATAL'): void {
    const error = toClientError(err);
    if (isUnexpected(err)) this.ctx.logger.error({ err }, 'unexpected error from sql');
    this.channel.out.errorResponse(sqlErrorFields(error, severity ?? error.severity));
  }

  private readyForQuery(): void {
    const session = this.session;
    this.channel.out.readyForQuery(session === null ? 'idle' : session.transactionStatus());
    this.channel.flush();
    this.atQueryBoundary = true;
  }
}
