/**
 * kv/rpc: node-to-node RPC. One multiplexed TCP connection per node pair carrying
 * length-prefixed binary frames: requests with deadlines, flow-controlled streams
 * (snapshots) and batched raft traffic with coalesced heartbeats. See README.md and
 * docs/rpc.md.
 */
export { RpcNode } from './rpc-node.ts';
export type {
  RpcNodeOptions,
  PeerAddress,
  RequestHandler,
  StreamHandler,
  RaftFrameHandler,
  PeerChangeHandler,
  CallOptions,
} from './rpc-node.ts';
export type { RequestContext } from './connection.ts';
export type { StreamSender } from './stream.ts';
export { RpcError, isRetryableRpcError, mayHaveBeenDelivered, unsentError, type RpcErrorCode } from './errors.ts';
export { type RpcConfig, defaultRpcConfig, rpcConfig, backoffDelayMs } from './config.ts';
export { type Timers, type TimerHandle, systemTimers } from './timers.ts';
export { RpcRaftTransport } from './raft-transport.ts';
export type { RaftTransport, RaftTransportStats, RaftTransportOptions } from './raft-transport.ts';
export {
  encodeRaftBatch,
  decodeRaftBatch,
  coalesceHeartbeat,
  heartbeatMessage,
  heartbeatRespMessage,
} from './raft-codec.ts';
export type { RaftBatch, RangeMessages, RangeHeartbeat, RangeHeartbeatResp } from './raft-codec.ts';
export { FrameDecoder, encodeFrame, decodeFrame, PROTOCOL_VERSION, type Frame, type FrameKind } from './frame.ts';
export { oneShotRequest, PreInitServer, type OneShotHandler } from './one-shot.ts';
export { encodeValue, decodeValue } from './value-codec.ts';
export { JOINER_METHODS } from './connection.ts';
