/**
 * server: one node. Builds the layers (engine, kv, txn, sql, wire), owns ports and the
 * lifecycle. Public surface for src/cli.
 */
export { startNode, type NodeConfig, type RunningNode } from './node.ts';
export { initCluster, type ClusterConfig } from './cluster.ts';
export { startDemo, type DemoOptions, type RunningDemo } from './demo.ts';
export { parseHostPort, formatHostPort, type HostPort } from './address.ts';
export { TESSERA_VERSION, PG_COMPAT_VERSION } from './version.ts';
