/**
 * A node of a multi-node cluster: its identity (cluster id, node id), how it gets one
 * (`tessera init` on this node, or joining through a --join address), the directory of
 * the other nodes' addresses, and the RPC handlers that belong to the node rather than
 * to kv ('init', 'join', 'nodes').
 *
 *   fresh node ── PreInitServer on --listen-addr ──┬─ 'init' from `tessera init`: node 1, bootstrap
 *                                                   └─ 'join' to a --join address: node id from KV
 *   identity ─> RpcNode on --listen-addr ─> cluster kv ─> txn ─> sql
 *
 * Nodes dial only addresses they were given (--join) or told by a node of the cluster
 * (join answers and the 'nodes' exchange, which carry each node's --advertise-addr).
 */
import { randomUUID } from 'node:crypto';
import {
  createClusterKv,
  decodeValue,
  encodeValue,
  oneShotRequest,
  PreInitServer,
  RpcError,
  RpcNode,
  storeLocalKey,
  systemKey,
  WriteBatch,
  type ClusterKv,
  type Engine,
  type NodeId,
} from '../kv/index.ts';
import type { TxnCoordinator } from '../txn/index.ts';
import { TxnError } from '../txn/index.ts';
import { TesseraError, type Env } from '../util/index.ts';
import { formatHostPort, type HostPort } from './address.ts';
import { decodeDecommissioned, DECOMMISSION_SPAN, serveDecommission, writeDecommission } from './decommission.ts';

export interface ClusterConfig {
  readonly listenAddr: HostPort;
  /** The address other nodes dial to reach this one (default: the listen address). */
  readonly advertiseAddr: HostPort | null;
  readonly join: readonly HostPort[];
  readonly replicationFactor?: number;
  /** A node whose liveness record expired this long ago is dead: its replicas are rebuilt elsewhere. */
  readonly deadNodeTimeoutMs?: number;
  /** A range grown past this many bytes is split (default 64 MiB). */
  readonly rangeMaxBytes?: number;
}

/** As CockroachDB's server.time_until_store_dead: long enough to ride out a restart. */
export const DEAD_NODE_TIMEOUT_MS_DEFAULT = 300_000;

interface Identity {
  readonly clusterId: string;
  readonly nodeId: number;
}

type NodeTable = [number, string, number][];

const IDENT_KEY = storeLocalKey('ident');
const NODES_KEY = storeLocalKey('nodes');
/** The first byte of the cluster's /system records: a tag SQL's tuple encoding never starts with. */
const CLUSTER_KEY_TAG = 0xfe;
const enc = new TextEncoder();

function nodeIdCounterKey(): Uint8Array {
  return systemKey(Uint8Array.from([CLUSTER_KEY_TAG, ...enc.encode('node-id')]));
}

function u32(id: number): number[] {
  return [id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255];
}

const LIVENESS_PREFIX = Uint8Array.from([CLUSTER_KEY_TAG, ...enc.encode('liveness/')]);

function livenessKey(id: number): Uint8Array {
  return systemKey(Uint8Array.from([...LIVENESS_PREFIX, ...u32(id)]));
}

/** How long a liveness record vouches for its node, and how often nodes renew theirs. */
const LIVENESS_TTL_MS = 4_500;
const LIVENESS_HEARTBEAT_MS = 1_000;

function nodeRecordKey(id: number): Uint8Array {
  return systemKey(Uint8Array.from([CLUSTER_KEY_TAG, ...enc.encode('node/'), ...u32(id)]));
}

/** Reads this store's identity, or waits until `tessera init` or a join gives it one. */
async function obtainIdentity(env: Env, engine: Engine, cfg: ClusterConfig, advertise: HostPort): Promise<{ ident: Identity; bootstrap: boolean; nodes: NodeTable }> {
  const stored = await engine.get(IDENT_KEY);
  if (stored !== undefined) {
    const nodes = await engine.get(NODES_KEY);
    return { ident: JSON.parse(new TextDecoder().decode(stored)) as Identity, bootstrap: false, nodes: nodes === undefined ? [] : (JSON.parse(new TextDecoder().decode(nodes)) as NodeTable) };
  }
  let settle!: (r: { ident: Identity; bootstrap: boolean; nodes: NodeTable }) => void;
  const settled = new Promise<{ ident: Identity; bootstrap: boolean; nodes: NodeTable }>((resolve) => (settle = resolve));
  let done = false;
  const pre = new PreInitServer(async (method) => {
    if (method === 'init' && !done) {
      done = true;
      const ident = { clusterId: randomUUID(), nodeId: 1 };
      settle({ ident, bootstrap: true, nodes: [[1, advertise.host, advertise.port]] });
      return encodeValue({ clusterId: ident.clusterId, nodeId: 1 });
    }
    throw new RpcError('rpc-unavailable', 'this node has not joined a cluster yet', true);
  });
  await pre.listen(cfg.listenAddr.host, cfg.listenAddr.port);
  env.logger.info({ listen: formatHostPort(cfg.listenAddr), join: cfg.join.map(formatHostPort) }, 'waiting for `tessera init` or to join a cluster');
  const joinLoop = async (): Promise<void> => {
    while (!done) {
      for (const addr of cfg.join) {
        if (done || (addr.port === advertise.port && addr.host === advertise.host)) continue;
        try {
          const answer = decodeValue(await oneShotRequest(addr, 'join', encodeValue({ host: advertise.host, port: advertise.port }), 10_000)) as { clusterId: string; nodeId: number; nodes: NodeTable };
          if (done) return;
          done = true;
          settle({ ident: { clusterId: answer.clusterId, nodeId: answer.nodeId }, bootstrap: false, nodes: answer.nodes });
          return;
        } catch (err) {
          env.logger.debug({ addr: formatHostPort(addr), err: String(err) }, 'join attempt failed');
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  void joinLoop();
  const result = await settled;
  done = true;
  await pre.close();
  const batch = new WriteBatch();
  batch.put(IDENT_KEY, enc.encode(JSON.stringify(result.ident)));
  batch.put(NODES_KEY, enc.encode(JSON.stringify(result.nodes)));
  await engine.write(batch, { sync: true });
  env.logger.info({ ...result.ident, bootstrap: result.bootstrap }, 'node identity');
  return result;
}

/** Where the other nodes are; exchanged with every known node once a second. */
class NodeDirectory {
  private readonly book = new Map<number, HostPort>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly rpc: RpcNode,
    private readonly engine: () => Engine | null,
  ) {}

  add(id: number, addr: HostPort): void {
    const old = this.book.get(id);
    if (old !== undefined && old.host === addr.host && old.port === addr.port) return;
    this.book.set(id, addr);
    if (id !== this.rpc.nodeId) this.rpc.setPeerAddress(id, addr);
    const engine = this.engine();
    if (engine !== null) {
      const batch = new WriteBatch();
      batch.put(NODES_KEY, enc.encode(JSON.stringify(this.table())));
      void engine.write(batch, { sync: false }).catch(() => undefined);
    }
  }

  merge(table: NodeTable): void {
    for (const [id, host, port] of table) this.add(id, { host, port });
  }

  table(): NodeTable {
    return [...this.book].map(([id, a]) => [id, a.host, a.port]);
  }

  address(id: number): HostPort | undefined {
    return this.book.get(id);
  }

  known(): NodeId[] {
    return [...this.book.keys()].sort((a, b) => a - b) as NodeId[];
  }

  /** Liveness records read from KV: node id -> expiration (ms since the epoch). */
  private liveness = new Map<number, number>();
  private livenessRead = false;

  /** Nodes marked for decommissioning (read with the liveness records). */
  decommissioning: NodeId[] = [];

  /** When this node first read the records: a node without one is not dead before that plus the timeout. */
  private livenessSinceMs = 0;

  setLiveness(records: Map<number, number>): void {
    this.liveness = records;
    if (!this.livenessRead) this.livenessSinceMs = Date.now();
    this.livenessRead = true;
  }

  /**
   * Live nodes: this one, and those whose liveness record in KV has not expired and that
   * this node can reach. Before the first read of the records, reachability alone.
   */
  live(): NodeId[] {
    const now = Date.now();
    return this.known().filter(
      (id) => id === this.rpc.nodeId || (this.rpc.isConnected(id) && (!this.livenessRead || (this.liveness.get(id) ?? 0) > now)),
    );
  }

  /**
   * Dead nodes: known, not this one, and with a liveness record that expired more than
   * `timeoutMs` ago (or none at all, once the records have been read that long).
   */
  dead(timeoutMs: number): NodeId[] {
    if (!this.livenessRead) return [];
    const now = Date.now();
    const since = this.livenessSinceMs;
    return this.known().filter((id) => id !== this.rpc.nodeId && Math.max(this.liveness.get(id) ?? 0, since) + timeoutMs < now);
  }

  /** Whether `id`'s liveness record is current (null: not read yet). */
  isLive(id: number): boolean | null {
    return this.livenessRead ? (this.liveness.get(id) ?? 0) > Date.now() : null;
  }

  start(): void {
    this.rpc.handle('nodes', async (payload) => {
      this.merge(decodeValue(payload) as NodeTable);
      return encodeValue(this.table());
    });
    this.timer = setInterval(() => {
      for (const id of this.book.keys()) {
        if (id === this.rpc.nodeId) continue;
        this.rpc.request(id, 'nodes', encodeValue(this.table()), { timeoutMs: 1_000 }).then(
          (answer) => this.merge(decodeValue(answer) as NodeTable),
          () => undefined,
        );
      }
    }, 1_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}

export interface ClusterNode {
  readonly kv: ClusterKv;
  readonly rpc: RpcNode;
  readonly nodeId: number;
  /** The other nodes that are live now. */
  peers(): number[];
  /** Writes this node's records (and, on the bootstrapping node, the first ones) and serves joins. */
  attach(txns: TxnCoordinator): Promise<void>;
  close(): Promise<void>;
}

/** Gets (or waits for) an identity, then starts RPC and cluster kv on it. */
export async function startClusterNode(env: Env, engine: Engine, cfg: ClusterConfig, kvConfig: Record<string, number>): Promise<ClusterNode> {
  const advertise = cfg.advertiseAddr ?? cfg.listenAddr;
  const { ident, bootstrap, nodes } = await obtainIdentity(env, engine, cfg, advertise);
  const rpc = new RpcNode({ env, clusterId: ident.clusterId, nodeId: ident.nodeId });
  let kv: ClusterKv | null = null;
  const directory = new NodeDirectory(rpc, () => kv?.store.engine ?? null);
  directory.merge(nodes);
  directory.add(ident.nodeId, advertise);
  try {
    await rpc.listen(cfg.listenAddr.host, cfg.listenAddr.port);
  } catch (err) {
    await rpc.close();
    throw new TesseraError('address-in-use', `cannot listen on ${formatHostPort(cfg.listenAddr)}: ${String(err)}`);
  }
  rpc.handle('node.status', async () => encodeValue(localSummary(kv)));
  rpc.handle('status', async () => {
    const rows: NodeSummary[] = [];
    for (const id of directory.known()) {
      const addr = directory.address(id);
      const base = { nodeId: id, address: addr === undefined ? '?' : formatHostPort(addr), live: directory.isLive(id) ?? directory.live().includes(id) };
      let summary: Partial<NodeSummary> = {};
      try {
        summary = id === ident.nodeId ? localSummary(kv) : (decodeValue(await rpc.request(id, 'node.status', new Uint8Array(0), { timeoutMs: 1_000 })) as Partial<NodeSummary>);
      } catch {
        // unreachable: counts unknown
      }
      rows.push({ replicas: -1, leases: -1, ...summary, ...base });
    }
    return encodeValue({ clusterId: ident.clusterId, nodes: rows });
  });
  rpc.handle('init', async () => {
    throw new RpcError('rpc-remote', `cluster ${ident.clusterId} is already initialized`, false);
  });
  kv = await createClusterKv(env, engine, rpc, kvConfig, {
    liveNodes: () => directory.live(),
    knownNodes: () => directory.known(),
    replicationFactor: cfg.replicationFactor ?? 3,
    replicateIntervalMs: 500,
    deadNodes: () => directory.dead(cfg.deadNodeTimeoutMs ?? DEAD_NODE_TIMEOUT_MS_DEFAULT),
    ...(cfg.rangeMaxBytes === undefined ? {} : { splitThresholdBytes: cfg.rangeMaxBytes }),
    decommissioning: () => directory.decommissioning,
  });
  if (bootstrap) await kv.store.bootstrap([ident.nodeId as NodeId]);
  directory.start();
  const clusterKv = kv;
  let stopLiveness = (): void => undefined;
  return {
    kv: clusterKv,
    rpc,
    nodeId: ident.nodeId,
    peers: () => directory.live().filter((n) => n !== ident.nodeId),
    attach: async (txns) => {
      if (bootstrap) await writeNodeRecord(txns, ident.nodeId, advertise, true);
      stopLiveness = startLiveness(env, txns, ident.nodeId, directory);
      serveDecommission({ rpc, kv: clusterKv, known: () => directory.known(), live: () => directory.live(), write: (id) => writeDecommission(txns, id) });
      rpc.handle('join', async (payload) => {
        const addr = decodeValue(payload) as HostPort;
        const nodeId = await allocateNodeId(txns, addr);
        directory.add(nodeId, addr);
        env.logger.info({ nodeId, addr: formatHostPort(addr) }, 'a node joined');
        return encodeValue({ clusterId: ident.clusterId, nodeId, nodes: directory.table() });
      });
    },
    close: async () => {
      stopLiveness();
      directory.stop();
      await clusterKv.close();
      await rpc.close();
    },
  };
}

export interface NodeSummary {
  readonly nodeId: number;
  readonly address: string;
  readonly live: boolean;
  /** Replicas this node holds and leases it holds now; -1 when the node did not answer. */
  readonly replicas: number;
  readonly leases: number;
}

function localSummary(kv: ClusterKv | null): { replicas: number; leases: number } {
  if (kv === null) return { replicas: 0, leases: 0 };
  const ranges = kv.store.rangeStatus().filter((r) => r.initialized);
  const self = kv.store.driver.nodeId as number;
  const now = BigInt(Date.now()) * 1_000_000n;
  return { replicas: ranges.length, leases: ranges.filter((r) => r.leaseholder === self && r.leaseExpiration > now).length };
}

/** `tessera node ls` / `node status`: the nodes the node at `host` knows, with their counts. */
export async function clusterStatus(host: HostPort): Promise<{ clusterId: string; nodes: NodeSummary[] }> {
  try {
    return decodeValue(await oneShotRequest(host, 'status', new Uint8Array(0), 10_000)) as { clusterId: string; nodes: NodeSummary[] };
  } catch (err) {
    throw new TesseraError('status-failed', `status of ${formatHostPort(host)} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Node liveness: every second this node extends its record in KV (expiration = now + TTL)
 * and reads everyone's, which the directory uses for placement and `node status`.
 */
function startLiveness(env: Env, txns: TxnCoordinator, nodeId: number, directory: NodeDirectory): () => void {
  let running = false;
  let stopped = false;
  const beat = async (): Promise<void> => {
    await withTxn(txns, async (txn) => {
      txn.put(livenessKey(nodeId), enc.encode(JSON.stringify({ nodeId, expirationMs: Date.now() + LIVENESS_TTL_MS })));
    });
    const start = systemKey(LIVENESS_PREFIX);
    const end = systemKey(Uint8Array.from([...LIVENESS_PREFIX, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const rows = await withTxn(txns, async (txn) => (await txn.scan({ startKey: start, endKey: end })).rows);
    const records = new Map<number, number>();
    for (const r of rows) {
      const rec = JSON.parse(new TextDecoder().decode(r.value)) as { nodeId: number; expirationMs: number };
      records.set(rec.nodeId, rec.expirationMs);
    }
    directory.setLiveness(records);
    const marks = await withTxn(txns, async (txn) => (await txn.scan(DECOMMISSION_SPAN)).rows);
    directory.decommissioning = decodeDecommissioned(marks.map((r) => r.value)) as NodeId[];
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = true;
    beat().then(
      () => (running = false),
      (err: unknown) => {
        running = false;
        env.logger.debug({ err: String(err) }, 'liveness heartbeat failed');
      },
    );
  }, LIVENESS_HEARTBEAT_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Retries a small transaction on txn-retry (bounded). */
async function withTxn<T>(txns: TxnCoordinator, body: (txn: ReturnType<TxnCoordinator['begin']>) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const txn = txns.begin();
    try {
      const out = await body(txn);
      await txn.commit();
      return out;
    } catch (err) {
      await txn.rollback().catch(() => undefined);
      if (!(err instanceof TxnError) || err.code !== 'txn-retry' || attempt >= 20) throw err;
    }
  }
}

async function writeNodeRecord(txns: TxnCoordinator, id: number, addr: HostPort, first: boolean): Promise<void> {
  await withTxn(txns, async (txn) => {
    if (first) txn.put(nodeIdCounterKey(), enc.encode(String(id)));
    txn.put(nodeRecordKey(id), enc.encode(JSON.stringify(addr)));
  });
}

/** The next node id, from a counter in KV (a serializable read-modify-write). */
async function allocateNodeId(txns: TxnCoordinator, addr: HostPort): Promise<number> {
  return withTxn(txns, async (txn) => {
    const raw = await txn.get(nodeIdCounterKey());
    const id = (raw === null ? 1 : Number(new TextDecoder().decode(raw))) + 1;
    txn.put(nodeIdCounterKey(), enc.encode(String(id)));
    txn.put(nodeRecordKey(id), enc.encode(JSON.stringify(addr)));
    return id;
  });
}

/**
 * `tessera init`: asks the node at `host` to bootstrap a new cluster. Throws TesseraError
 * 'init-failed' with the node's reason (e.g. "cluster ... is already initialized").
 */
export async function initCluster(host: HostPort, timeoutMs = 30_000): Promise<{ clusterId: string }> {
  // The node may still be starting: unreachable is retried until the deadline.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = decodeValue(await oneShotRequest(host, 'init', new Uint8Array(0), 10_000)) as { clusterId: string };
      return { clusterId: answer.clusterId };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retry = err instanceof RpcError && err.retryable && err.code !== 'rpc-timeout' && !/not joined/.test(message);
      if (!retry || Date.now() > deadline) throw new TesseraError('init-failed', `init of ${formatHostPort(host)} failed: ${message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
