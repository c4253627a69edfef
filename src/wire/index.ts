/**
 * wire: the PostgreSQL wire protocol (v3) in front of sql's Session. Public surface: the
 * server a node starts, its options and limits. The codec and the connection state
 * machine are internal (see README.md).
 */
export { WireServer, type WireServerOptions, type WireAddress, type WireCloseOptions } from './wire-server.ts';
export { type WireLimits, defaultWireLimits, resolveWireLimits } from './limits.ts';
