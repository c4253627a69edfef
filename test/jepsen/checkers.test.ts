// Every checker is fed known-good and known-bad histories; the verdicts must be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventType, HistoryEvent } from './history.ts';
import { checkBank } from './checkers/bank.ts';
import { checkRegisters } from './checkers/linearizable.ts';
import { checkListAppend, type TxnValue } from './checkers/list-append.ts';

/** Builds a history from [process, type, f, value] rows in order. */
function history(rows: readonly (readonly [number, EventType, string, unknown])[]): HistoryEvent[] {
  return rows.map(([process, type, f, value], index) => ({ index, timeMs: index, process, type, f, value }));
}

/** Transactions run one after another: invoke then complete, for each. */
function serial(txns: readonly (readonly ['ok' | 'fail' | 'info', TxnValue])[]): HistoryEvent[] {
  const rows: [number, EventType, string, unknown][] = [];
  txns.forEach(([type, value], i) => {
    rows.push([i, 'invoke', 'txn', value.map((m) => (m[0] === 'r' ? ['r', m[1], null] : m))]);
    rows.push([i, type, 'txn', value]);
  });
  return history(rows);
}

test('bank checker: right totals pass; a wrong total and a negative balance are caught', () => {
  const model = { accounts: [1, 2], total: 200 };
  const good = history([
    [0, 'invoke', 'transfer', { from: 1, to: 2, amount: 30 }],
    [1, 'invoke', 'read', null],
    [1, 'ok', 'read', { 1: 100, 2: 100 }],
    [0, 'ok', 'transfer', { from: 1, to: 2, amount: 30 }],
    [1, 'invoke', 'read', null],
    [1, 'ok', 'read', { 1: 70, 2: 130 }],
  ]);
  const r = checkBank(model, good);
  assert.equal(r.valid, true);
  assert.equal(r.checked, 2);
  const bad = history([
    [1, 'invoke', 'read', null],
    [1, 'ok', 'read', { 1: 70, 2: 100 }],
    [1, 'invoke', 'read', null],
    [1, 'ok', 'read', { 1: -10, 2: 210 }],
    [1, 'invoke', 'read', null],
    [1, 'ok', 'read', { 1: 200 }],
  ]);
  const v = checkBank(model, bad);
  assert.equal(v.valid, false);
  assert.deepEqual(Object.keys(v.anomalies).sort(), ['negative-balance', 'wrong-accounts', 'wrong-total']);
});

test('register checker: concurrent reads may see either value; info writes may or may not happen', () => {
  const good = history([
    [0, 'invoke', 'write', { key: 1, value: 1 }],
    [0, 'ok', 'write', { key: 1, value: 1 }],
    [0, 'invoke', 'write', { key: 1, value: 2 }],
    [1, 'invoke', 'read', { key: 1, value: null }],
    [2, 'invoke', 'read', { key: 1, value: null }],
    [1, 'ok', 'read', { key: 1, value: 1 }], // before the write took effect
    [2, 'ok', 'read', { key: 1, value: 2 }], // after
    [0, 'ok', 'write', { key: 1, value: 2 }],
    [3, 'invoke', 'cas', { key: 1, from: 2, to: 3 }],
    [3, 'info', 'cas', { key: 1, from: 2, to: 3 }], // unknown: maybe
    [4, 'invoke', 'cas', { key: 1, from: 7, to: 8 }],
    [4, 'fail', 'cas', { key: 1, from: 7, to: 8 }], // did not happen
    [5, 'invoke', 'read', { key: 1, value: null }],
    [5, 'ok', 'read', { key: 1, value: 3 }], // the info cas happened
    [6, 'invoke', 'write', { key: 2, value: 5 }],
    [6, 'info', 'write', { key: 2, value: 5 }], // never observed: may never have happened
    [7, 'invoke', 'read', { key: 2, value: null }],
    [7, 'ok', 'read', { key: 2, value: null }],
  ]);
  const r = checkRegisters(good);
  assert.deepEqual(r.anomalies, {});
  assert.equal(r.valid, true);
});

test('register checker: a stale read and a lost CAS are not linearizable', () => {
  const stale = history([
    [0, 'invoke', 'write', { key: 1, value: 1 }],
    [0, 'ok', 'write', { key: 1, value: 1 }],
    [0, 'invoke', 'write', { key: 1, value: 2 }],
    [0, 'ok', 'write', { key: 1, value: 2 }],
    [1, 'invoke', 'read', { key: 1, value: null }],
    [1, 'ok', 'read', { key: 1, value: 1 }],
  ]);
  const r = checkRegisters(stale);
  assert.equal(r.valid, false);
  assert.match(r.anomalies['nonlinearizable']?.[0] ?? '', /key 1: no linearization/);
  const doubleCas = history([
    [0, 'invoke', 'write', { key: 3, value: 0 }],
    [0, 'ok', 'write', { key: 3, value: 0 }],
    [1, 'invoke', 'cas', { key: 3, from: 0, to: 1 }],
    [2, 'invoke', 'cas', { key: 3, from: 0, to: 2 }],
    [1, 'ok', 'cas', { key: 3, from: 0, to: 1 }],
    [2, 'ok', 'cas', { key: 3, from: 0, to: 2 }], // both CAS from 0 succeeded: one was lost
  ]);
  assert.equal(checkRegisters(doubleCas).valid, false);
});

test('list-append checker: a serializable history passes', () => {
  const r = checkListAppend(
    serial([
      ['ok', [['append', 1, 1], ['append', 2, 1]]],
      ['ok', [['r', 1, [1]], ['append', 1, 2], ['r', 1, [1, 2]]]],
      ['fail', [['append', 2, 9]]],
      ['info', [['append', 2, 2]]],
      ['ok', [['r', 1, [1, 2]], ['r', 2, [1, 2]]]],
    ]),
  );
  assert.deepEqual(r.anomalies, {});
  assert.equal(r.checked, 3);
});

const anomalyKinds = (value: readonly (readonly ['ok' | 'fail' | 'info', TxnValue])[]): string[] => Object.keys(checkListAppend(serial(value)).anomalies).sort();

test('list-append checker: G1a aborted read, G1b intermediate read, garbage, incompatible order', () => {
  assert.deepEqual(anomalyKinds([['fail', [['append', 1, 5]]], ['ok', [['r', 1, [5]]]]]), ['G1a']);
  // The intermediate read is also a cycle (T0 -wr-> T1 -rw-> T0), which Elle reports too.
  assert.deepEqual(anomalyKinds([['ok', [['append', 1, 1], ['append', 1, 2]]], ['ok', [['r', 1, [1]]]], ['ok', [['r', 1, [1, 2]]]]]), ['G-single', 'G1b']);
  assert.deepEqual(anomalyKinds([['ok', [['r', 1, [42]]]]]), ['garbage-read']);
  assert.deepEqual(
    anomalyKinds([['ok', [['append', 1, 1]]], ['ok', [['append', 1, 2]]], ['ok', [['r', 1, [1, 2]]]], ['ok', [['r', 1, [2]]]]]),
    ['incompatible-order'],
  );
  assert.deepEqual(anomalyKinds([['ok', [['append', 1, 1], ['r', 1, []]]]]), ['internal']);
});

test('list-append checker: G0 (write cycle) and G1c (circular information flow)', () => {
  assert.deepEqual(
    anomalyKinds([
      ['ok', [['append', 1, 1], ['append', 2, 1]]],
      ['ok', [['append', 1, 2], ['append', 2, 2]]],
      ['ok', [['r', 1, [1, 2]], ['r', 2, [2, 1]]]],
    ]),
    ['G0'],
  );
  assert.deepEqual(
    anomalyKinds([
      ['ok', [['append', 1, 1], ['r', 2, [1]]]],
      ['ok', [['append', 2, 1], ['r', 1, [1]]]],
    ]),
    ['G1c'],
  );
});

test('list-append checker: G-single (read skew) and G2 (write skew)', () => {
  assert.deepEqual(
    anomalyKinds([
      ['ok', [['r', 1, []], ['r', 2, [1]]]],
      ['ok', [['append', 1, 1], ['append', 2, 1]]],
      ['ok', [['r', 1, [1]]]],
    ]),
    ['G-single'],
  );
  const writeSkew = checkListAppend(
    serial([
      ['ok', [['r', 1, []], ['append', 2, 1]]],
      ['ok', [['r', 2, []], ['append', 1, 1]]],
      ['ok', [['r', 1, [1]], ['r', 2, [1]]]],
    ]),
  );
  assert.deepEqual(Object.keys(writeSkew.anomalies), ['G2']);
  assert.match(writeSkew.anomalies['G2']?.[0] ?? '', /-rw->.*-rw->/);
});
