/**
 * Nemeses: faults injected into a running cluster and healed again. A nemesis is a pair
 * of steps (start the fault, stop it) so a schedule can interleave them with the workload
 * and every run ends healed. Partitions (a fault-injecting TCP proxy between nodes) need
 * more than one node and refuse to run on one.
 */
import type { JepsenCluster } from './cluster.ts';

export interface Rng {
  next(): number;
  int(n: number): number;
}

export interface Nemesis {
  readonly name: string;
  /** Injects the fault; returns what it did (for the nemesis log). */
  start(cluster: JepsenCluster, rng: Rng): Promise<string>;
  /** Heals what `start` did; returns what it did. */
  stop(cluster: JepsenCluster): Promise<string>;
}

function pick(cluster: JepsenCluster, rng: Rng): number {
  return rng.int(cluster.nodes.length);
}

/** kill -9 a node; the heal restarts it on the same store. */
function killNemesis(): Nemesis {
  let victim: number | null = null;
  return {
    name: 'kill',
    async start(cluster, rng) {
      victim = pick(cluster, rng);
      await cluster.kill(victim);
      return `killed n${victim} (SIGKILL)`;
    },
    async stop(cluster) {
      if (victim === null) return 'nothing to restart';
      const v = victim;
      victim = null;
      await cluster.restart(v);
      return `restarted n${v}`;
    },
  };
}

/** SIGSTOP a node (a long GC pause, a stuck VM); the heal sends SIGCONT. */
function pauseNemesis(): Nemesis {
  let victim: number | null = null;
  return {
    name: 'pause',
    async start(cluster, rng) {
      victim = pick(cluster, rng);
      await cluster.pause(victim);
      return `paused n${victim} (SIGSTOP)`;
    },
    async stop(cluster) {
      if (victim === null) return 'nothing to resume';
      const v = victim;
      victim = null;
      await cluster.resume(v);
      return `resumed n${v} (SIGCONT)`;
    },
  };
}

/**
 * Skews a node's wall clock through its offset file, within the maximum offset (500 ms by
 * default) or, with `beyond`, past it. On one node this moves the HLC's physical time
 * forward and back: timestamps must stay monotonic and nothing may break.
 */
function clockNemesis(beyondMaxOffset: boolean): Nemesis {
  let victim: number | null = null;
  return {
    name: beyondMaxOffset ? 'clock-beyond' : 'clock',
    async start(cluster, rng) {
      victim = pick(cluster, rng);
      const magnitude = beyondMaxOffset ? 1_000 + rng.int(4_000) : 50 + rng.int(400);
      const ms = rng.next() < 0.5 ? -magnitude : magnitude;
      cluster.setClockOffsetMs(victim, ms);
      return `n${victim} clock offset ${ms} ms`;
    },
    async stop(cluster) {
      if (victim === null) return 'no clock to reset';
      const v = victim;
      victim = null;
      cluster.setClockOffsetMs(v, 0);
      // Beyond the maximum offset a cluster node stops itself: bring it back.
      if (beyondMaxOffset && cluster.nodes[v]?.running === false) {
        await cluster.restart(v);
        return `n${v} clock offset 0, restarted (it had stopped itself)`;
      }
      return `n${v} clock offset 0`;
    },
  };
}

/**
 * Cuts the network between two groups of nodes through the proxies in front of them
 * (partition-proxy.ts): one node alone against the rest, or (with four or more nodes)
 * two random halves. SQL clients still reach every node: a minority node's statements
 * must fail or wait, never answer from a stale or divergent state.
 */
function partitionNemesis(): Nemesis {
  return {
    name: 'partition',
    async start(cluster, rng) {
      if (cluster.partition === undefined) throw new Error('this cluster cannot be partitioned');
      const all = cluster.nodes.map((_n, i) => i);
      let side: number[];
      if (all.length >= 4 && rng.next() < 0.5) {
        side = all.filter(() => rng.next() < 0.5);
        if (side.length === 0 || side.length === all.length) side = [pick(cluster, rng)];
      } else side = [pick(cluster, rng)];
      const rest = all.filter((i) => !side.includes(i));
      cluster.partition([side, rest]);
      return `partition ${side.map((i) => `n${i}`).join(',')} | ${rest.map((i) => `n${i}`).join(',')}`;
    },
    async stop(cluster) {
      cluster.heal?.();
      return 'healed';
    },
  };
}

export const nemesisNames = ['kill', 'pause', 'clock', 'partition', 'clock-beyond'] as const;
export type NemesisName = (typeof nemesisNames)[number];

export function makeNemesis(name: string, nodeCount: number): Nemesis {
  switch (name) {
    case 'kill':
      return killNemesis();
    case 'pause':
      return pauseNemesis();
    case 'clock':
      return clockNemesis(false);
    case 'partition':
      if (nodeCount < 2) throw new Error('nemesis partition needs at least two nodes (--nodes 3)');
      return partitionNemesis();
    case 'clock-beyond':
      if (nodeCount < 3) throw new Error('nemesis clock-beyond needs at least three nodes (a majority decides whose clock is wrong)');
      return clockNemesis(true);
    default:
      throw new Error(`unknown nemesis "${name}" (known: ${nemesisNames.join(', ')})`);
  }
}

/** One line of the nemesis log. */
export interface NemesisEvent {
  readonly timeMs: number;
  readonly nemesis: string;
  readonly phase: 'start' | 'stop';
  readonly what: string;
}

/**
 * Runs faults until the deadline: wait `quietMs`, start the next nemesis (in turn, so a
 * short run still meets every one), keep it for `faultMs`, heal it. Always ends with
 * everything healed.
 */
export async function runNemeses(
  cluster: JepsenCluster,
  nemeses: readonly Nemesis[],
  rng: Rng,
  timing: { readonly quietMs: number; readonly faultMs: number; readonly deadline: number },
  log: (e: Omit<NemesisEvent, 'timeMs'>) => void,
): Promise<void> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; nemeses.length > 0 && performance.now() + timing.quietMs + timing.faultMs < timing.deadline; i++) {
    await sleep(timing.quietMs);
    const n = nemeses[i % nemeses.length] as Nemesis;
    log({ nemesis: n.name, phase: 'start', what: await n.start(cluster, rng) });
    try {
      await sleep(timing.faultMs);
    } finally {
      log({ nemesis: n.name, phase: 'stop', what: await n.stop(cluster) });
    }
  }
}
