/**
 * server: one node. Builds the layers (engine, kv, txn, sql, wire), owns ports and the
 * lifecycle. Public surface for src/cli.
 */
export { startNode, type NodeConfig, type RunningNode } from './node.ts';
export { initCluster, clusterStatus, type ClusterConfig, type NodeSummary } from './cluster.ts';
export { decommissionNode, type DecommissionProgress } from './decommission.ts';
export { startDemo, type DemoOptions, type RunningDemo } from './demo.ts';
export { parseHostPort, formatHostPort, type HostPort } from './address.ts';
export { TESSERA_VERSION, PG_COMPAT_VERSION } from './version.ts';
