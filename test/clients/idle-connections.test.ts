// 1,000 concurrent idle connections on one node (issue 6, robustness): all stay open and
// served, the 1,001st is refused with 53300 (connectionsMax), and a freed slot is reused.
// TESSERA_IDLE_CONNECTIONS lowers the count on a machine with few file descriptors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const count = Number(process.env['TESSERA_IDLE_CONNECTIONS'] ?? 1000);
const store = tempStoreDir('tessera-idle-');
let node: NodeProcess | undefined;
const clients: pg.Client[] = [];

before(async () => {
  node = await startNodeProcess(store.path);
});

after(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  await node?.kill();
  store.remove();
});

function client(): pg.Client {
  const c = new pg.Client({ connectionString: node!.connectionString() });
  c.on('error', () => undefined);
  return c;
}

test(`${count} idle connections stay open; one more is refused with 53300`, { timeout: 180_000 }, async () => {
  const started = Date.now();
  // Opened in waves so the accept queue and startup are not one burst.
  for (let i = 0; i < count; i += 50) {
    const wave = Array.from({ length: Math.min(50, count - i) }, () => client());
    await Promise.all(wave.map((c) => c.connect()));
    clients.push(...wave);
  }
  const openedMs = Date.now() - started;
  console.log(`opened ${count} connections in ${openedMs} ms`);
  await new Promise((r) => setTimeout(r, 500));
  // Every idle connection still answers (a sample, to keep the run short), and so does the node.
  for (const c of [clients[0]!, clients[Math.floor(count / 2)]!, clients[count - 1]!]) {
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
  }
  if (count >= 1000) {
    const extra = client();
    await assert.rejects(extra.connect(), (e: unknown) => (e as { code?: string }).code === '53300');
    await clients.pop()!.end();
    // The slot frees when the server has seen the close.
    let again: pg.Client | null = null;
    for (let attempt = 0; attempt < 50 && again === null; attempt++) {
      const c = client();
      try {
        await c.connect();
        again = c;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(again !== null, 'a freed slot can be used again');
    clients.push(again);
    assert.equal((await again.query('select 2 as two')).rows[0].two, 2);
  }
});
