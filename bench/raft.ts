/**
 * Raft core benchmarks (in process, no I/O: they measure the core and a minimal driver).
 *
 * - committed proposals per second of a 3-voter group with 100-byte payloads, with one
 *   proposal per driver cycle and with batches of proposals per cycle;
 * - CPU cost of 10,000 idle, quiesced groups on one node: a driver loop that ticks only
 *   groups that are awake, measured with process.cpuUsage over a few seconds.
 *
 * Run standalone: node --import tsx bench/raft.ts
 */
import {
  EMPTY_CONF_STATE,
  MemoryStorage,
  RawNode,
  bootstrapState,
  replicaId,
  type Message,
  type RaftConfigInput,
} from '../src/raft/index.ts';
import { seededRandom } from '../src/util/index.ts';

interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

interface Replica {
  node: RawNode;
  storage: MemoryStorage;
  applied: number;
}

function newGroup(voters: number, config: Partial<RaftConfigInput> = {}): Replica[] {
  const ids = Array.from({ length: voters }, (_, i) => replicaId(i + 1));
  const boot = bootstrapState({ ...EMPTY_CONF_STATE, voters: ids });
  return ids.map((id) => {
    const storage = new MemoryStorage();
    storage.applySnapshot(boot.snapshot);
    storage.setHardState(boot.hardState);
    const node = new RawNode({ ...config, id, applied: 1, random: seededRandom(id) }, storage);
    return { node, storage, applied: 1 };
  });
}

/**
 * One driver cycle over a group: each replica's Ready is persisted, its messages delivered
 * (in memory, in order) and its committed entries counted. Returns entries applied by `counted`.
 */
function cycle(group: Replica[], counted: number): number {
  let applied = 0;
  const outbox: Message[] = [];
  for (let i = 0; i < group.length; i++) {
    const r = group[i]!;
    if (!r.node.hasReady()) continue;
    const rd = r.node.ready();
    if (rd.snapshot !== undefined) r.storage.applySnapshot(rd.snapshot);
    r.storage.append(rd.entries);
    if (rd.hardState !== undefined) r.storage.setHardState(rd.hardState);
    for (const m of rd.messages) outbox.push(m);
    if (rd.committedEntries.length > 0) {
      r.applied = rd.committedEntries[rd.committedEntries.length - 1]!.index;
      if (i === counted) applied += rd.committedEntries.length;
    }
    r.node.advance(rd);
  }
  for (const m of outbox) group[m.to - 1]!.node.step(m);
  return applied;
}

function settle(group: Replica[]): void {
  for (let k = 0; k < 1000 && group.some((r) => r.node.hasReady()); k++) cycle(group, 0);
}

/** Keeps memory flat in long runs: snapshot and compact each replica at its applied index. */
function compact(group: Replica[]): void {
  for (const r of group) {
    if (r.applied - r.storage.firstIndex() < 50_000) continue;
    r.storage.createSnapshot(r.applied, r.node.status().confState, new Uint8Array(0));
    r.storage.compact(r.applied);
  }
}

function throughput(batch: number, durationMs: number): number {
  const group = newGroup(3);
  group[0]!.node.campaign();
  settle(group);
  const leader = group[0]!.node;
  const payload = new Uint8Array(100);
  const batchData = Array.from({ length: batch }, () => payload);
  let committed = 0;
  const started = performance.now();
  let cycles = 0;
  while (performance.now() - started < durationMs) {
    const r = batch === 1 ? leader.propose(payload) : leader.proposeBatch(batchData);
    if (!r.ok) throw new Error(`proposal dropped: ${r.reason}`);
    committed += cycle(group, 0);
    if (++cycles % 256 === 0) compact(group);
  }
  for (let k = 0; k < 10; k++) committed += cycle(group, 0);
  return committed / ((performance.now() - started) / 1000);
}

/** Elects replica 1 of each group and quiesces it; returns node 1's replicas. */
function quiescedGroups(count: number): RawNode[] {
  const local: RawNode[] = [];
  for (let g = 0; g < count; g++) {
    const group = newGroup(3);
    group[0]!.node.campaign();
    settle(group);
    for (let k = 0; k < 2; k++) {
      for (const r of group) r.node.tick();
      settle(group);
    }
    if (!group[0]!.node.tryQuiesce()) throw new Error(`group ${g} did not quiesce`);
    settle(group);
    local.push(group[0]!.node);
  }
  return local;
}

async function idleCost(groups: number, seconds: number, tickMs: number): Promise<{ cpuPercent: number; awake: number }> {
  const replicas = quiescedGroups(groups);
  const awake = new Set(replicas.filter((n) => !n.quiesced));
  // Let the collector finish with the setup's garbage (the peers' replicas, messages) so
  // that only the idle loop is measured.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const start = process.cpuUsage();
  const wallStart = performance.now();
  await new Promise<void>((resolve) => {
    const loop = (): void => {
      // The driver ticks and drains only awake groups; quiesced ones cost nothing.
      for (const n of awake) {
        n.tick();
        if (n.hasReady()) n.advance(n.ready());
        if (n.quiesced) awake.delete(n);
      }
      if (performance.now() - wallStart >= seconds * 1000) resolve();
      else setTimeout(loop, tickMs);
    };
    setTimeout(loop, tickMs);
  });
  const used = process.cpuUsage(start);
  const wallMs = performance.now() - wallStart;
  return { cpuPercent: ((used.user + used.system) / 1000 / wallMs) * 100, awake: awake.size };
}

export async function benchRaft(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  throughput(100, 300); // warm up the JIT
  results.push({
    name: 'raft.propose.unbatched',
    value: Math.round(throughput(1, 2000)),
    unit: 'proposals/s',
    note: '3 voters in process, 100-byte payloads, one proposal per Ready cycle',
  });
  results.push({
    name: 'raft.propose.batched',
    value: Math.round(throughput(256, 2000)),
    unit: 'proposals/s',
    note: '3 voters in process, 100-byte payloads, 256 proposals per Ready cycle (target >= 100,000/s)',
  });
  const idle = await idleCost(10_000, 3, 100);
  results.push({
    name: 'raft.idle.10k-quiesced-groups',
    value: Number(idle.cpuPercent.toFixed(3)),
    unit: '% of a core',
    note: `10,000 quiesced groups, driver ticking awake groups every 100 ms for 3 s; ${idle.awake} awake at the end (target < 1 %)`,
  });
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchRaft()) {
    console.log(`${r.name.padEnd(32)} ${String(r.value).padStart(12)} ${r.unit}${r.note !== undefined ? `   (${r.note})` : ''}`);
  }
}
