/**
 * The bank checker: accounts only exchange money, so every successful read of all balances
 * must show the same total and no negative balance (transfers never overdraw). A read that
 * misses an account or sees a wrong total saw a state no serial order of transfers produces.
 */
import { addAnomaly, operations, resultOf, type CheckResult, type HistoryEvent } from '../history.ts';

export interface BankModel {
  readonly accounts: readonly number[];
  readonly total: number;
}

/** A read's value: balance per account id (as returned by SELECT id, balance). */
export type BankRead = Readonly<Record<string, number>>;

export function checkBank(model: BankModel, events: readonly HistoryEvent[]): CheckResult {
  const anomalies = new Map<string, string[]>();
  let checked = 0;
  for (const op of operations(events)) {
    if (op.f !== 'read' || op.type !== 'ok') continue;
    checked++;
    const read = op.value as BankRead;
    const ids = Object.keys(read).map(Number).sort((a, b) => a - b);
    if (ids.join(',') !== [...model.accounts].sort((a, b) => a - b).join(',')) {
      addAnomaly(anomalies, 'wrong-accounts', `read at event ${op.invoke.index} saw accounts [${ids.join(',')}]`);
    }
    const total = Object.values(read).reduce((a, b) => a + b, 0);
    if (total !== model.total) addAnomaly(anomalies, 'wrong-total', `read at event ${op.invoke.index} saw total ${total}, expected ${model.total}: ${JSON.stringify(read)}`);
    for (const [id, balance] of Object.entries(read)) {
      if (balance < 0) addAnomaly(anomalies, 'negative-balance', `read at event ${op.invoke.index} saw account ${id} at ${balance}`);
    }
  }
  return resultOf(checked, anomalies);
}
