/**
 * Arithmetic and string operators over bound operands of one resolved type, with
 * PostgreSQL's errors: 22012 division by zero, 22003 out of range.
 */
import { sqlError } from '../sql-error.ts';
import { Numeric } from '../types/numeric.ts';
import { checkIntRange } from '../types/text-io.ts';
import { isIntegerType, type SqlType, type Value } from '../types/types.ts';

export type ArithOp = '+' | '-' | '*' | '/' | '%';

function divisionByZero(): never {
  throw sqlError('22012', 'division by zero');
}

/** Returns the evaluator of `a op b` for non-NULL operands of type `t` (the result type). */
export function arithmetic(op: ArithOp, t: SqlType): (a: Value, b: Value) => Value {
  if (isIntegerType(t)) {
    const kind = t.kind as 'int2' | 'int4' | 'int8';
    switch (op) {
      case '+': return (a, b) => checkIntRange(kind, (a as bigint) + (b as bigint));
      case '-': return (a, b) => checkIntRange(kind, (a as bigint) - (b as bigint));
      case '*': return (a, b) => checkIntRange(kind, (a as bigint) * (b as bigint));
      case '/': return (a, b) => (b === 0n ? divisionByZero() : checkIntRange(kind, (a as bigint) / (b as bigint)));
      case '%': return (a, b) => (b === 0n ? divisionByZero() : (a as bigint) % (b as bigint));
    }
  }
  if (t.kind === 'numeric') {
    switch (op) {
      case '+': return (a, b) => (a as Numeric).add(b as Numeric);
      case '-': return (a, b) => (a as Numeric).sub(b as Numeric);
      case '*': return (a, b) => (a as Numeric).mul(b as Numeric);
      case '/': return (a, b) => ((b as Numeric).isZero() ? divisionByZero() : (a as Numeric).div(b as Numeric));
      case '%': return (a, b) => ((b as Numeric).isZero() ? divisionByZero() : (a as Numeric).mod(b as Numeric));
    }
  }
  const f4 = t.kind === 'float4';
  const check = (r: number, a: number, b: number): number => {
    if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) throw sqlError('22003', 'value out of range: overflow');
    return f4 ? Math.fround(r) : r;
  };
  switch (op) {
    case '+': return (a, b) => check((a as number) + (b as number), a as number, b as number);
    case '-': return (a, b) => check((a as number) - (b as number), a as number, b as number);
    case '*': return (a, b) => check((a as number) * (b as number), a as number, b as number);
    case '/': return (a, b) => (b === 0 ? divisionByZero() : check((a as number) / (b as number), a as number, b as number));
    case '%': return () => {
      throw sqlError('42883', 'operator does not exist: double precision % double precision');
    };
  }
}

export function negate(t: SqlType): (a: Value) => Value {
  if (isIntegerType(t)) {
    const kind = t.kind as 'int2' | 'int4' | 'int8';
    return (a) => checkIntRange(kind, -(a as bigint));
  }
  if (t.kind === 'numeric') return (a) => (a as Numeric).neg();
  return (a) => -(a as number);
}

/** LIKE / ILIKE pattern to a RegExp: % any run, _ one character, backslash escapes. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(re + '$', caseInsensitive ? 'iu' : 'u');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
