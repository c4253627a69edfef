// Shared by the rpc tests: nodes on 127.0.0.1 with OS-chosen ports, short timings, and a
// registry so that every test closes what it opened.
import { RpcNode, type PeerAddress, type RpcConfig } from '../../../src/kv/rpc/index.ts';
import { seededRandom, silentLogger, systemClock, type Env } from '../../../src/util/index.ts';

export function rpcTestEnv(seed = 1): Env {
  return { clock: systemClock, random: seededRandom(seed), logger: silentLogger(), buggify: () => false };
}

export const fastConfig: Partial<RpcConfig> = {
  requestTimeoutMs: 2_000,
  dialTimeoutMs: 1_000,
  backoffInitialMs: 10,
  backoffMaxMs: 100,
};

export interface Started {
  readonly node: RpcNode;
  readonly address: PeerAddress;
}

/** Opens nodes and closes them all at the end of a test. */
export class Nodes {
  private readonly open: RpcNode[] = [];

  async start(nodeId: number, options: { clusterId?: string; config?: Partial<RpcConfig>; port?: number } = {}): Promise<Started> {
    const node = new RpcNode({
      env: rpcTestEnv(nodeId),
      clusterId: options.clusterId ?? 'test-cluster',
      nodeId,
      config: { ...fastConfig, ...options.config },
    });
    this.open.push(node);
    const address = await node.listen('127.0.0.1', options.port ?? 0);
    return { node, address };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((n) => n.close()));
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `f` until it returns true, or fails after `ms`. */
export async function eventually(what: string, f: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > until) throw new Error(`not reached within ${ms} ms: ${what}`);
    await sleep(5);
  }
}
