// PGlite (PostgreSQL 18 in WASM) behind a TCP socket, so that psql and pg_dump can talk to
// the oracle exactly as they talk to Tessera. The startup phase is answered here (no SSL,
// no password, a fixed set of ParameterStatus messages); every later frontend message is
// handed whole to PGlite's own protocol handler. One client at a time, which is all the
// compatibility tests need (PGlite is a single backend).
import { createServer, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';

export interface PgliteServer {
  readonly port: number;
  readonly db: PGlite;
  connectionString(database?: string): string;
  close(): Promise<void>;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function cstrings(...parts: string[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p + '\0', 'utf8')));
}

function startupReply(): Buffer {
  const auth = Buffer.alloc(4);
  const key = Buffer.alloc(8);
  key.writeInt32BE(process.pid, 0);
  const params: [string, string][] = [
    ['server_version', '18.0'], ['server_encoding', 'UTF8'], ['client_encoding', 'UTF8'], ['DateStyle', 'ISO, MDY'],
    ['integer_datetimes', 'on'], ['standard_conforming_strings', 'on'], ['TimeZone', 'UTC'], ['IntervalStyle', 'postgres'],
    ['is_superuser', 'on'], ['session_authorization', 'postgres'], ['application_name', ''],
  ];
  return Buffer.concat([
    message('R', auth),
    ...params.map(([k, v]) => message('S', cstrings(k, v))),
    message('K', key),
    message('Z', Buffer.from('I')),
  ]);
}

/** Serves one connection: startup packets here, then whole messages to PGlite in order. */
function serve(db: PGlite, socket: Socket): void {
  let pending = Buffer.alloc(0);
  let started = false;
  let chain = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (!started) {
        if (pending.length < 8) return;
        const len = pending.readInt32BE(0);
        if (pending.length < len) return;
        const code = pending.readInt32BE(4);
        pending = pending.subarray(len);
        if (code === 80877103 || code === 80877104) socket.write('N');
        else {
          started = true;
          socket.write(startupReply());
        }
        continue;
      }
      if (pending.length < 5) return;
      const len = pending.readInt32BE(1) + 1;
      if (pending.length < len) return;
      const msg = Buffer.from(pending.subarray(0, len));
      pending = pending.subarray(len);
      if (msg[0] === 0x58) {
        socket.end();
        return;
      }
      chain = chain.then(async () => {
        const out = await db.execProtocolRaw(new Uint8Array(msg));
        if (!socket.destroyed) socket.write(out);
      }).catch(() => {
        socket.destroy();
      });
    }
  });
  socket.on('error', () => undefined);
}

export async function startPgliteServer(db?: PGlite): Promise<PgliteServer> {
  const pg = db ?? (await PGlite.create());
  const server: Server = createServer((s) => serve(pg, s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const port = address.port;
  return {
    port,
    db: pg,
    connectionString: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}?sslmode=disable`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pg.close();
    },
  };
}
