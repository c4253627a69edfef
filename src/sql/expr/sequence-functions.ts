/**
 * nextval, currval, setval and lastval. The sequence is named by a constant (as
 * PostgreSQL's regclass argument usually is) and resolved at bind time; the binder
 * records which sequences a statement uses so that their values are reserved before it
 * runs (catalog/sequences.ts). Errors: 42P01 for an unknown sequence, 42809 for a
 * relation that is not one, 0A000 for a name that is not a constant.
 */
import type { SequenceDesc } from '../catalog/descriptors.ts';
import { sqlError } from '../sql-error.ts';
import { positionOf, T } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call } from './bind-helpers.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

/** A sequence a name resolved to, or the kind of relation it is instead. */
export type SequenceRef = { readonly kind: 'sequence'; readonly desc: SequenceDesc } | { readonly kind: 'other' };

function sequencesOf(ctx: EvalContext): NonNullable<EvalContext['sequences']> {
  if (ctx.sequences === undefined) throw sqlError('0A000', 'sequence functions are not supported here');
  return ctx.sequences;
}

/**
 * The sequence name a constant argument spells. pg_get_serial_sequence('table', 'column')
 * with constant arguments (as migrations write `setval(pg_get_serial_sequence(...), n)`)
 * names the sequence a serial column owns, `table_column_seq`, checked to be owned below.
 */
function constantName(arg: BoundExpr | undefined): { name: string; owned: boolean } | null {
  if (arg === undefined) return null;
  if (arg.kind === 'const' && typeof arg.value === 'string') return { name: arg.value, owned: false };
  if (arg.kind === 'call' && arg.label === 'pg_get_serial_sequence') {
    const [t, c] = arg.args;
    if (t?.kind === 'const' && c?.kind === 'const' && typeof t.value === 'string' && typeof c.value === 'string') {
      const table = (t.value.split('.').pop() ?? t.value).replace(/"/g, '');
      return { name: `"${table}_${c.value}_seq"`, owned: true };
    }
  }
  return null;
}

function resolve(arg: BoundExpr | undefined, binder: Binder, pos: number): SequenceDesc {
  const spelled = constantName(arg);
  if (spelled === null) throw sqlError('0A000', 'the sequence must be named by a constant', positionOf(pos));
  // 'schema.name' with each part folded to lower case unless double-quoted.
  const parts = (spelled.name.match(/"(?:[^"]|"")*"|[^.]+/g) ?? []).map((p) => (p.startsWith('"') ? p.slice(1, -1).replaceAll('""', '"') : p.toLowerCase()));
  const name = parts.join('.');
  const found = binder.sequenceLookup?.(parts.length > 1 ? { schema: parts[parts.length - 2]!, name: parts[parts.length - 1]! } : { schema: null, name }) ?? null;
  if (found === null) throw sqlError('42P01', `relation "${name}" does not exist`, positionOf(pos));
  if (found.kind !== 'sequence') throw sqlError('42809', `"${name}" is not a sequence`, positionOf(pos));
  if (spelled.owned && found.desc.ownedBy === null) throw sqlError('0A000', 'the sequence must be named by a constant', positionOf(pos));
  binder.usedSequences.set(found.desc.id, found.desc);
  return found.desc;
}

/** Binds a sequence function, or returns null for another name. */
export function bindSequenceFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  switch (name) {
    case 'nextval': case 'currval': {
      const seq = resolve(args[0], binder, pos);
      if (args.length !== 1) return null;
      return call(name, T.int8, [], (_row, ctx) => (name === 'nextval' ? sequencesOf(ctx).nextval(seq) : sequencesOf(ctx).currval(seq)));
    }
    case 'setval': {
      if (args.length !== 2 && args.length !== 3) return null;
      const seq = resolve(args[0], binder, pos);
      const value = binder.coerce(args[1]!, T.int8, pos);
      const called = args[2] === undefined ? null : binder.coerce(args[2], T.bool, pos);
      return call(name, T.int8, [value, ...(called === null ? [] : [called])], (row, ctx) => {
        const v = value.eval(row, ctx);
        const c = called === null ? true : called.eval(row, ctx);
        if (v === null || c === null) return null;
        return sequencesOf(ctx).setval(seq, v as bigint, c as boolean);
      });
    }
    case 'lastval':
      if (args.length !== 0) return null;
      return call(name, T.int8, [], (_row, ctx) => sequencesOf(ctx).lastval());
    default:
      return null;
  }
}

