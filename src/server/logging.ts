import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

/**
 * The node's logger: JSON lines (pino) to `<store>/logs/tessera.log` and, at the same level,
 * to stderr. Every line carries the node id so logs of a cluster can be merged.
 */
export function createNodeLogger(storeDir: string | null, level: string): Logger {
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: pino.destination({ fd: 2, sync: false }) }];
  if (storeDir !== null) {
    const dir = join(storeDir, 'logs');
    mkdirSync(dir, { recursive: true });
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: join(dir, 'tessera.log'), mkdir: true, sync: false }) });
  }
  return pino({ level, base: { node: 1 } }, pino.multistream(streams));
}
