/**
 * pg_advisory_lock and its variants: session or transaction scope (_xact_), exclusive or
 * shared (_shared), blocking or trying (pg_try_). Keys are one bigint or two integers
 * (high and low 32 bits, as PostgreSQL combines them). The calls run before their
 * statement's rows (Binder.deferred), through the session's AdvisoryLocks.
 */
import { sqlError } from '../sql-error.ts';
import { positionOf, T, type Value } from '../types/types.ts';
import type { AdvisoryKey, LockMode, LockScope } from '../advisory/advisory-locks.ts';
import type { Binder } from './bind-expr.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

const pattern = /^pg_(try_)?advisory_(xact_)?(lock|unlock)(_shared)?$/;

function locksOf(ctx: EvalContext): NonNullable<EvalContext['advisory']> {
  if (ctx.advisory === undefined) throw sqlError('0A000', 'advisory locks are not available here');
  return ctx.advisory;
}

/** One bigint key, or two int4 halves. */
function keyOf(values: readonly Value[]): AdvisoryKey | null {
  if (values.some((v) => v === null)) return null;
  if (values.length === 1) return { space: 1, value: values[0] as bigint };
  return { space: 2, value: (BigInt.asIntN(32, values[0] as bigint) << 32n) | BigInt.asUintN(32, values[1] as bigint) };
}

export function bindAdvisoryFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  if (name === 'pg_advisory_unlock_all') {
    if (args.length !== 0) throw sqlError('42883', `function ${name} takes no arguments`, positionOf(pos));
    return binder.deferred(name, T.text, [], async (_v, ctx) => {
      await locksOf(ctx).releaseAll('session');
      return '';
    }, pos);
  }
  const m = pattern.exec(name);
  if (m === null) return null;
  const trying = m[1] !== undefined;
  const scope: LockScope = m[2] !== undefined ? 'xact' : 'session';
  const unlock = m[3] === 'unlock';
  const mode: LockMode = m[4] !== undefined ? 'shared' : 'exclusive';
  if ((unlock && (trying || scope === 'xact')) || (args.length !== 1 && args.length !== 2)) {
    throw sqlError('42883', `function ${name}(${args.length} arguments) does not exist`, positionOf(pos));
  }
  const typed = args.map((a) => binder.coerce(a, args.length === 1 ? T.int8 : T.int4, pos));
  const type = unlock || trying ? T.bool : T.text;
  return binder.deferred(name, type, typed, async (values, ctx, checkCancelled) => {
    const key = keyOf(values);
    if (key === null) return null;
    const locks = locksOf(ctx);
    if (unlock) return locks.release(key, mode);
    const got = await locks.acquire(key, mode, scope, !trying, checkCancelled);
    // The blocking forms return void, which prints as an empty string.
    return trying ? got : '';
  }, pos);
}
