/**
 * raft: the consensus core. A pure, deterministic state machine in the shape of etcd's
 * raft: no timers, sockets or disk. The driver ticks a `RawNode`, steps peers' messages
 * into it, and persists / sends / applies what each `Ready` hands out (see raw-node.ts
 * for the loop and README.md for the picture).
 *
 * Indexes and terms are plain numbers (asserted to be safe integers); replica ids are
 * branded `ReplicaId`s. Storage is declared here and implemented by the layer above
 * (kv, over its engine); `MemoryStorage` serves tests and the simulator.
 */
export { RawNode, bootstrapState, BOOTSTRAP_INDEX, BOOTSTRAP_TERM } from './raw-node.ts';
export type { Ready, Status, ProgressStatus } from './raw-node.ts';
export { DEFAULT_RAFT_CONFIG, validateConfig } from './config.ts';
export type { RaftConfig, RaftConfigInput, ReadOnlyOption } from './config.ts';
export { MemoryStorage, entriesSize } from './storage.ts';
export type { Storage, InitialState } from './storage.ts';
export { encodeConfChange, decodeConfChange, LEAVE_JOINT } from './conf-change.ts';
export {
  NO_REPLICA,
  replicaId,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
} from './types.ts';
export type {
  ReplicaId,
  Entry,
  HardState,
  ConfState,
  Snapshot,
  SnapshotMeta,
  ConfChange,
  ConfChangeSingle,
  Role,
  SoftState,
  ReadState,
  Message,
  MessageKind,
  DropReason,
  ProposeResult,
} from './types.ts';
