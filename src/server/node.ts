/**
 * One Tessera node: builds every layer from the bottom up (engine, kv, txn, sql, wire),
 * owns the ports and the lifecycle. The only module that knows all layers.
 */
import { startClockMonitor } from './clock-monitor.ts';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { systemEnv, TesseraError, type Env, type Logger } from '../util/index.ts';
import { openEngine, createLocalKv, type Sender, type Store } from '../kv/index.ts';
import { startClusterNode, type ClusterConfig, type ClusterNode } from './cluster.ts';
import { createTxnCoordinator, defaultTxnConfig } from '../txn/index.ts';
import { createSqlService, defaultHbaRules, formatHbaRule, HBA_SETTING, parseHba, type HbaRule, type SqlService, type TesseraSqlService } from '../sql/index.ts';
import { WireServer } from '../wire/index.ts';
import type { HostPort } from './address.ts';
import { offsetClock } from './clock-offset.ts';
import { startHttp } from './http.ts';
import { flooredClock } from './wall-floor.ts';
import { listenOrExplain } from './listen.ts';
import { createNodeLogger } from './logging.ts';
import { TESSERA_VERSION } from './version.ts';

export interface NodeConfig {
  /** Data directory; created if missing. */
  readonly storeDir: string;
  readonly sqlAddr: HostPort;
  readonly httpAddr: HostPort;
  readonly logLevel: string;
  /** On stop, how long running statements may take before connections are cut. */
  readonly drainTimeoutMs: number;
  /** Directory with node.key and node.crt (PEM), or null: SQL clients then cannot use TLS. */
  readonly certsDir?: string | null;
  /** Allows a non-loopback SQL address without certificates (plain text on the network). */
  readonly insecure?: boolean;
  /** Testing only: a file holding milliseconds to add to the wall clock (see clock-offset.ts). */
  readonly clockOffsetFile?: string | null;
  /** A pg_hba.conf-style file whose rules replace the defaults (see hbaRules). */
  readonly hbaFile?: string | null;
  /** Tests pass their own logger; otherwise logs go to stderr and <store>/logs. */
  readonly logger?: Logger;
  /** A node of a multi-node cluster (`tessera start`); absent: a single node (`start-single-node`). */
  readonly cluster?: ClusterConfig;
}

export interface RunningNode {
  /** This node's id (1 for a single node). */
  readonly nodeId: number;
  readonly sqlAddr: HostPort;
  readonly httpAddr: HostPort;
  readonly storeDir: string;
  /** Stops accepting, drains running statements (bounded), flushes and closes the store. */
  stop(): Promise<void>;
  /**
   * Settles with the reason when the node must stop on its own (its clock is off from the
   * cluster's by more than the maximum offset); the caller stops it and exits non-zero.
   */
  readonly fatal: Promise<string>;
}

/**
 * Starts a single-node cluster on `config.storeDir`, bootstrapping it on first start.
 * Throws TesseraError 'address-in-use', 'store-locked' or 'store-version' with a message
 * for the operator; anything opened before the failure is closed again.
 */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  const storeDir = resolve(config.storeDir);
  mkdirSync(storeDir, { recursive: true });
  const logger = config.logger ?? createNodeLogger(storeDir, config.logLevel);
  const baseEnv: Env = systemEnv(logger);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.error({ err }, 'error while closing');
      }
    }
  };
  try {
    let env = baseEnv;
    if (config.clockOffsetFile !== undefined && config.clockOffsetFile !== null) {
      const clock = await offsetClock(baseEnv.clock, config.clockOffsetFile, logger);
      cleanups.push(async () => clock.close());
      env = { ...baseEnv, clock };
    }
    const engine = await openEngine({ path: resolve(storeDir, 'data') });
    cleanups.push(() => engine.close());
    // Opened after the engine: its lock makes the store directory this process's alone.
    const floored = flooredClock(env.clock, storeDir, logger);
    cleanups.push(async () => floored.close());
    env = { ...env, clock: floored };
    let sender: Sender;
    let store: Store;
    let cluster: ClusterNode | null = null;
    if (config.cluster !== undefined) {
      cluster = await startClusterNode(env, engine, config.cluster, {});
      cleanups.push((cluster as ClusterNode).close);
      sender = cluster.kv.sender;
      store = cluster.kv.store;
    } else {
      const kv = await createLocalKv(env, engine, {});
      cleanups.push(() => kv.close());
      sender = kv.sender;
      store = kv.store;
    }
    // Several nodes have several clocks: reads take an uncertainty interval as wide as the
    // offset the cluster tolerates (a single node has one clock and needs none).
    const txns = createTxnCoordinator(env, sender, cluster === null ? {} : { config: { readUncertaintyMs: defaultTxnConfig.maxClockOffsetMs } });
    cleanups.push(async () => txns.close());
    if (cluster !== null) await cluster.attach(txns);
    const sql = await createSqlService({ env, txns, sharedCatalog: cluster !== null });
    cleanups.push(async () => sql.close());
    await sql.bootstrap();
    if (cluster !== null) cleanups.push(refreshCatalogPeriodically(sql, logger));
    let fatal: (why: string) => void = () => undefined;
    const fatalReason = new Promise<string>((resolve) => (fatal = resolve));
    if (cluster !== null) {
      const stopMonitor = startClockMonitor(env, cluster.rpc, {
        maxOffsetMs: defaultTxnConfig.maxClockOffsetMs,
        peers: (cluster as ClusterNode).peers,
        onFatal: (why) => {
          logger.error({ why }, 'clock offset beyond the maximum: the node stops serving');
          fatal(why);
        },
      });
      cleanups.push(async () => stopMonitor());
    }

    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
    let serving = false;
    const tls = wireTls(config, logger);
    const wire = new WireServer(sql, { env, ...tls, hba: await hbaRules(config, tls.tls !== undefined, sql, logger) });
    const sqlAddr = await listenOrExplain(config.sqlAddr, () => wire.listen(config.sqlAddr.host, config.sqlAddr.port));
    cleanups.push(() => wire.close({ drainMs: config.drainTimeoutMs }));
    const nodeId = cluster?.nodeId ?? 1;
    const http = await startHttp(config.httpAddr, () => serving, registry, () => ({ nodeId, ranges: store.rangeStatus() }));
    cleanups.push(() => http.close());
    serving = true;
    logger.info({ version: TESSERA_VERSION, sqlAddr, httpAddr: http.address, storeDir }, 'node started');

    let stopped: Promise<void> | null = null;
    return {
      nodeId: cluster?.nodeId ?? 1,
      sqlAddr,
      httpAddr: http.address,
      storeDir,
      fatal: fatalReason,
      stop: () => {
        stopped ??= (async () => {
          serving = false;
          logger.info('node stopping');
          await closeAll();
          logger.info('node stopped');
          logger.flush();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * TLS material for the SQL port, and the rule that a node without certificates serves
 * only on loopback unless told `--insecure` (plain text on a network is a choice, not an
 * accident).
 */
function wireTls(config: NodeConfig, logger: Logger): { tls?: { key: Buffer; cert: Buffer; ca?: Buffer } } {
  const dir = config.certsDir ?? null;
  if (dir === null) {
    if (!isLoopback(config.sqlAddr.host) && config.insecure !== true) {
      throw new TesseraError('insecure-listen', `refusing to serve SQL on ${config.sqlAddr.host} without certificates: pass --certs-dir, or --insecure to allow plain text`);
    }
    if (config.insecure === true) logger.warn('insecure mode: SQL clients connect without TLS');
    return {};
  }
  // With ca.crt, client certificates signed by it authenticate their CN as the user.
  const caPath = join(dir, 'ca.crt');
  const ca = existsSync(caPath) ? { ca: readFileSync(caPath) } : {};
  return { tls: { key: readFileSync(join(dir, 'node.key')), cert: readFileSync(join(dir, 'node.crt')), ...ca } };
}

/**
 * The authentication rules: the --hba-file's when given (a node-local override, also the
 * way back in after a bad cluster setting); else the cluster setting
 * server.host_based_authentication.configuration (ALTER SYSTEM), read per connection;
 * else the defaults (with certificates: TLS and SCRAM or a client certificate for
 * everyone; without: loopback trusted, the development default). What applies is logged.
 */
async function hbaRules(config: NodeConfig, hasCertificates: boolean, sql: SqlService, logger: Logger): Promise<readonly HbaRule[] | (() => Promise<readonly HbaRule[]>)> {
  if (config.hbaFile !== undefined && config.hbaFile !== null) {
    const parsed = parseHba(readFileSync(config.hbaFile, 'utf8'));
    if (!parsed.ok) throw new TesseraError('bad-hba', `${config.hbaFile}: ${parsed.error}`);
    logger.warn({ rules: parsed.rules.map(formatHbaRule) }, `authentication rules from ${config.hbaFile}`);
    return parsed.rules;
  }
  const defaults = defaultHbaRules(hasCertificates);
  const setting = (await sql.hbaRules?.()) ?? null;
  const note = hasCertificates ? 'TLS with SCRAM-SHA-256 or a client certificate for every connection' : 'loopback connections are trusted (development mode); others need SCRAM-SHA-256';
  if (setting !== null) logger.warn({ rules: setting.map(formatHbaRule) }, `authentication rules from the cluster setting ${HBA_SETTING}`);
  else logger.warn({ rules: defaults.map(formatHbaRule) }, `authentication rules default: ${note} (ALTER SYSTEM SET ${HBA_SETTING} or --hba-file to change)`);
  return async () => (await sql.hbaRules?.()) ?? defaults;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * DDL run on another node reaches this node's catalog cache by a reload every second,
 * until the catalog has a descriptor lease protocol. Returns the cleanup that stops it.
 */
function refreshCatalogPeriodically(sql: TesseraSqlService, logger: Logger): () => Promise<void> {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sql.refreshCatalog().then(
      () => (running = false),
      (err: unknown) => {
        running = false;
        logger.debug({ err: String(err) }, 'catalog refresh failed');
      },
    );
  }, 1_000);
  timer.unref();
  return async () => clearInterval(timer);
}
