/**
 * Membership changes: computing the next configuration from the current one and a
 * `ConfChange`, and the byte encoding of a ConfChange inside a log entry.
 *
 * Safety comes from never letting two majorities disagree: a single step may change at
 * most one voter (any majority of the old set then overlaps any majority of the new), and
 * larger changes go through a joint configuration C_old,new in which every decision needs
 * both majorities, followed by a second change that leaves it (C_new).
 */
import { assert } from '../util/index.ts';
import { configProblem, type MemberConfig } from './tracker.ts';
import { replicaId, type ConfChange, type ConfChangeSingle, type ReplicaId } from './types.ts';

export type ConfChangeOutcome =
  | { readonly ok: true; readonly config: MemberConfig; readonly step: 'simple' | 'enter-joint' | 'leave-joint' }
  | { readonly ok: false; readonly reason: string };

interface MutableConfig {
  incoming: Set<ReplicaId>;
  outgoing: Set<ReplicaId>;
  learners: Set<ReplicaId>;
  learnersNext: Set<ReplicaId>;
  autoLeave: boolean;
}

function copy(c: MemberConfig): MutableConfig {
  return {
    incoming: new Set(c.incoming),
    outgoing: new Set(c.outgoing),
    learners: new Set(c.learners),
    learnersNext: new Set(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

function applyOne(c: MutableConfig, ch: ConfChangeSingle): void {
  switch (ch.kind) {
    case 'add-voter':
      c.learners.delete(ch.id);
      c.learnersNext.delete(ch.id);
      c.incoming.add(ch.id);
      return;
    case 'add-learner':
      c.incoming.delete(ch.id);
      // An outgoing voter cannot be a learner yet: it becomes one when the joint config ends.
      if (c.outgoing.has(ch.id)) c.learnersNext.add(ch.id);
      else c.learners.add(ch.id);
      return;
    case 'remove':
      c.incoming.delete(ch.id);
      c.learners.delete(ch.id);
      c.learnersNext.delete(ch.id);
      return;
  }
}

function countVoterChanges(before: ReadonlySet<ReplicaId>, after: ReadonlySet<ReplicaId>): number {
  let n = 0;
  for (const id of before) if (!after.has(id)) n++;
  for (const id of after) if (!before.has(id)) n++;
  return n;
}

function finish(c: MutableConfig, step: 'simple' | 'enter-joint' | 'leave-joint'): ConfChangeOutcome {
  if (c.incoming.size === 0) return { ok: false, reason: 'the change removes every voter' };
  const problem = configProblem(c);
  if (problem !== undefined) return { ok: false, reason: problem };
  return { ok: true, config: c, step };
}

/** Whether `cc` would be applied as a joint change (as opposed to a single step). */
export function needsJoint(cc: ConfChange, current: MemberConfig): boolean {
  if (cc.changes.length === 0) return false;
  if (cc.transition !== 'auto') return true;
  const c = copy(current);
  for (const ch of cc.changes) applyOne(c, ch);
  return countVoterChanges(current.incoming, c.incoming) > 1;
}

/** The configuration that results from applying `cc` to `current`, or why it cannot be. */
export function changeConfig(current: MemberConfig, cc: ConfChange): ConfChangeOutcome {
  const joint = current.outgoing.size > 0;
  if (cc.changes.length === 0) {
    if (!joint) return { ok: false, reason: 'leaving a joint configuration that is not joint' };
    const c = copy(current);
    for (const id of c.learnersNext) c.learners.add(id);
    c.learnersNext.clear();
    c.outgoing.clear();
    c.autoLeave = false;
    return finish(c, 'leave-joint');
  }
  if (joint) return { ok: false, reason: 'a change while in a joint configuration (leave it first)' };
  const c = copy(current);
  if (needsJoint(cc, current)) {
    c.outgoing = new Set(current.incoming);
    c.autoLeave = cc.transition !== 'joint-explicit';
    for (const ch of cc.changes) applyOne(c, ch);
    return finish(c, 'enter-joint');
  }
  for (const ch of cc.changes) applyOne(c, ch);
  return finish(c, 'simple');
}

/** The change that leaves a joint configuration. */
export const LEAVE_JOINT: ConfChange = { transition: 'auto', changes: [], context: new Uint8Array(0) };

// Encoding: [version=1][transition u8][count u16][(kind u8, id f64) * count][context...]
const TRANSITIONS = ['auto', 'joint-implicit', 'joint-explicit'] as const;
const KINDS = ['add-voter', 'add-learner', 'remove'] as const;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  assert(cc.changes.length < 0x10000, 'too many changes in one ConfChange');
  const out = new Uint8Array(4 + cc.changes.length * 9 + cc.context.length);
  const view = new DataView(out.buffer);
  out[0] = 1;
  out[1] = TRANSITIONS.indexOf(cc.transition);
  view.setUint16(2, cc.changes.length);
  let at = 4;
  for (const ch of cc.changes) {
    out[at] = KINDS.indexOf(ch.kind);
    view.setFloat64(at + 1, ch.id);
    at += 9;
  }
  out.set(cc.context, at);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  assert(data.length >= 4 && data[0] === 1, 'not an encoded ConfChange');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const transition = TRANSITIONS[data[1]!];
  assert(transition !== undefined, 'bad ConfChange transition');
  const count = view.getUint16(2);
  assert(data.length >= 4 + count * 9, 'truncated ConfChange');
  const changes: ConfChangeSingle[] = [];
  let at = 4;
  for (let k = 0; k < count; k++) {
    const kind = KINDS[data[at]!];
    assert(kind !== undefined, 'bad ConfChange kind');
    changes.push({ kind, id: replicaId(view.getFloat64(at + 1)) });
    at += 9;
  }
  return { transition, changes, context: data.slice(at) };
}
