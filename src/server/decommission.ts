/**
 * Decommissioning: `tessera node decommission ID` marks node ID in KV as leaving; every
 * node reads the marks with the liveness records, places no replica there, and the
 * leaseholders' replicate queues move what it holds elsewhere (a replacement first, then
 * the removal; a lease it holds is handed over first). The command then follows progress:
 * each live node says which of the ranges it leads still have a replica on ID, and it is
 * done when none does. SQL keeps working throughout: every step is one Raft membership
 * change at a time.
 *
 *   tessera node decommission ID ── 'decommission' ──> any node: puts /system/decommission/ID
 *                                 ── 'decommission.progress' (every second) ──> that node
 *                                       ── 'node.led-ranges' ──> every live node
 */
import { decodeValue, encodeValue, oneShotRequest, systemKey, type ClusterKv, type RpcNode } from '../kv/index.ts';
import type { TxnCoordinator } from '../txn/index.ts';
import { TesseraError } from '../util/index.ts';
import { formatHostPort, type HostPort } from './address.ts';

const enc = new TextEncoder();
/** The same tag as the other cluster records (cluster.ts). */
const PREFIX = Uint8Array.from([0xfe, ...enc.encode('decommission/')]);

function u32(id: number): number[] {
  return [id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255];
}

export function decommissionKey(id: number): Uint8Array {
  return systemKey(Uint8Array.from([...PREFIX, ...u32(id)]));
}

export const DECOMMISSION_SPAN = { startKey: systemKey(PREFIX), endKey: systemKey(Uint8Array.from([...PREFIX, 0xff, 0xff, 0xff, 0xff, 0xff])) };

/** The node ids of the records read from DECOMMISSION_SPAN. */
export function decodeDecommissioned(values: readonly Uint8Array[]): number[] {
  return values.map((v) => (JSON.parse(new TextDecoder().decode(v)) as { nodeId: number }).nodeId);
}

export interface DecommissionProgress {
  /** Ranges led by a live node that still have a replica (voter or learner) on the node. */
  readonly remaining: number;
  /** Ranges the live nodes lead (all of them, once leases are settled). */
  readonly ranges: number;
}

interface LedRange {
  readonly rangeId: string;
  readonly members: number[];
}

/** The ranges this node leads, with their members as the leader knows them. */
function ledRanges(kv: ClusterKv): LedRange[] {
  const self = kv.store.driver.nodeId as number;
  return kv.store
    .rangeStatus()
    .filter((r) => r.initialized && r.role === 'leader' && r.leaseholder === self)
    .map((r) => ({ rangeId: String(r.rangeId), members: [...r.voters, ...r.learners].map(Number) }));
}

export interface DecommissionDeps {
  readonly rpc: RpcNode;
  readonly kv: ClusterKv;
  readonly known: () => readonly number[];
  readonly live: () => readonly number[];
  readonly write: (nodeId: number) => Promise<void>;
}

/** Registers the handlers (on every node, once it has its transaction coordinator). */
export function serveDecommission(d: DecommissionDeps): void {
  d.rpc.handle('node.led-ranges', async () => encodeValue(ledRanges(d.kv)));
  d.rpc.handle('decommission', async (payload) => {
    const nodeId = decodeValue(payload) as number;
    if (!d.known().includes(nodeId)) throw new TesseraError('unknown-node', `node ${nodeId} is not a node of this cluster (known: ${d.known().join(', ')})`);
    await d.write(nodeId);
    return encodeValue(true);
  });
  d.rpc.handle('decommission.progress', async (payload) => {
    const nodeId = decodeValue(payload) as number;
    const led = new Map<string, LedRange>();
    for (const n of d.live()) {
      const ranges = n === d.rpc.nodeId ? ledRanges(d.kv) : (decodeValue(await d.rpc.request(n, 'node.led-ranges', new Uint8Array(0), { timeoutMs: 2_000 })) as LedRange[]);
      for (const r of ranges) led.set(r.rangeId, r);
    }
    const progress: DecommissionProgress = { remaining: [...led.values()].filter((r) => r.members.includes(nodeId)).length, ranges: led.size };
    return encodeValue(progress);
  });
}

/** Puts the mark (through the node's transactions). */
export async function writeDecommission(txns: TxnCoordinator, nodeId: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const txn = txns.begin();
    try {
      txn.put(decommissionKey(nodeId), enc.encode(JSON.stringify({ nodeId, sinceMs: Date.now() })));
      await txn.commit();
      return;
    } catch (err) {
      await txn.rollback().catch(() => undefined);
      if (attempt >= 5) throw err;
    }
  }
}

/**
 * The CLI's side: marks `nodeId` through the node at `host`, then polls until no range
 * keeps a replica there (or `timeoutMs` passes: TesseraError). `onProgress` sees each poll.
 */
export async function decommissionNode(host: HostPort, nodeId: number, timeoutMs: number, onProgress: (p: DecommissionProgress) => void): Promise<DecommissionProgress> {
  const ask = async (method: string): Promise<unknown> => {
    try {
      return decodeValue(await oneShotRequest(host, method, encodeValue(nodeId), 10_000));
    } catch (err) {
      throw new TesseraError('decommission-failed', `${method} through ${formatHostPort(host)} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await ask('decommission');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = (await ask('decommission.progress')) as DecommissionProgress;
    onProgress(p);
    if (p.remaining === 0 && p.ranges > 0) return p;
    if (Date.now() > deadline) {
      throw new TesseraError('decommission-timeout', `node ${nodeId} still holds replicas of ${p.remaining} range(s) after ${timeoutMs} ms (are there enough other live nodes for the replication factor?)`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
