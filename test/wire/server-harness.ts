// Starts a WireServer over the scripted session on a free loopback port.
import pg from 'pg';
import { WireServer, type WireLimits } from '../../src/wire/index.ts';
import { testEnv, type Env } from '../../src/util/index.ts';
import { ScriptedSqlService } from './scripted-session.ts';

export interface Harness {
  readonly server: WireServer;
  readonly service: ScriptedSqlService;
  readonly port: number;
  client(database?: string): pg.Client;
  /** A connected node-postgres client, closed by `stop`. */
  connect(): Promise<pg.Client>;
  stop(): Promise<void>;
}

export async function startHarness(limits: Partial<WireLimits> = {}, env: Env = testEnv()): Promise<Harness> {
  const service = new ScriptedSqlService();
  const server = new WireServer(service, { env, limits });
  const { port } = await server.listen('127.0.0.1', 0);
  const clients: pg.Client[] = [];
  const client = (database = 'db'): pg.Client => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'tester', database });
    // A server-side close surfaces as an 'error' event; tests that expect it listen themselves.
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  return {
    server,
    service,
    port,
    client,
    async connect() {
      const c = client();
      await c.connect();
      return c;
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.end()));
      await server.close({ drainMs: 100 });
    },
  };
}
