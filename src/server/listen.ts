import type { Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { TesseraError } from '../util/index.ts';
import type { HostPort } from './address.ts';

/**
 * Listens on `addr` and resolves with the bound address (the real port when 0 was asked).
 * A taken port becomes TesseraError 'address-in-use' with a message an operator can act on.
 */
export function listen(server: NetServer | HttpServer, addr: HostPort): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(new TesseraError('address-in-use', `cannot listen on ${addr.host}:${addr.port}: the address is already in use`));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
        reject(new TesseraError('address-unavailable', `cannot listen on ${addr.host}:${addr.port}: ${err.code}`));
      } else {
        reject(err);
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : addr.port;
      resolve({ host: addr.host, port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(addr.port, addr.host);
  });
}

/** Runs a listen call of another component, turning address errors into TesseraErrors. */
export async function listenOrExplain<T>(addr: HostPort, doListen: () => Promise<T>): Promise<T> {
  try {
    return await doListen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new TesseraError('address-in-use', `cannot listen on ${addr.host}:${addr.port}: the address is already in use`, { cause: err });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new TesseraError('address-unavailable', `cannot listen on ${addr.host}:${addr.port}: ${code}`, { cause: err });
    }
    throw err;
  }
}
