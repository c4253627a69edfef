/**
 * libpg-query WindowDef nodes (OVER (...) and WINDOW clause entries) -> `WindowSpec`.
 * PostgreSQL encodes the frame as a bit set (FRAMEOPTION_* in nodes/parsenodes.h) with
 * the offsets as separate expressions.
 */
import type { Expr, FrameBound, OrderItem, WindowFrame, WindowSpec } from './ast.ts';
import { convertExpr } from './convert-expr.ts';
import { list, location, num, str, type JsonObject } from './json.ts';

const F = {
  nonDefault: 0x1,
  range: 0x2,
  rows: 0x4,
  groups: 0x8,
  startUnboundedPreceding: 0x20,
  endUnboundedFollowing: 0x100,
  startCurrentRow: 0x200,
  endCurrentRow: 0x400,
  startOffsetPreceding: 0x800,
  endOffsetPreceding: 0x1000,
  startOffsetFollowing: 0x2000,
  endOffsetFollowing: 0x4000,
  excludeCurrentRow: 0x8000,
  excludeGroup: 0x10000,
  excludeTies: 0x20000,
} as const;

export function convertWindowDef(body: JsonObject, convertSort: (node: unknown) => OrderItem): WindowSpec {
  const options = num(body['frameOptions'], 0);
  return {
    refName: str(body['refname']) ?? (body['partitionClause'] === undefined && body['orderClause'] === undefined && (options & F.nonDefault) === 0 ? str(body['name']) : null),
    partitionBy: list(body['partitionClause']).map(convertExpr),
    orderBy: list(body['orderClause']).map(convertSort),
    frame: (options & F.nonDefault) === 0 ? null : convertFrame(options, body),
    pos: location(body),
  };
}

function convertFrame(options: number, body: JsonObject): WindowFrame {
  const offset = (key: string): Expr => convertExpr(body[key]);
  const start: FrameBound =
    options & F.startUnboundedPreceding ? { kind: 'unbounded-preceding' }
      : options & F.startCurrentRow ? { kind: 'current-row' }
        : options & F.startOffsetPreceding ? { kind: 'preceding', offset: offset('startOffset') }
          : options & F.startOffsetFollowing ? { kind: 'following', offset: offset('startOffset') }
            : { kind: 'unbounded-following' };
  const end: FrameBound =
    options & F.endUnboundedFollowing ? { kind: 'unbounded-following' }
      : options & F.endCurrentRow ? { kind: 'current-row' }
        : options & F.endOffsetPreceding ? { kind: 'preceding', offset: offset('endOffset') }
          : options & F.endOffsetFollowing ? { kind: 'following', offset: offset('endOffset') }
            : { kind: 'unbounded-preceding' };
  const exclude = options & F.excludeCurrentRow ? 'current-row' : options & F.excludeGroup ? 'group' : options & F.excludeTies ? 'ties' : 'no-others';
  const mode = options & F.rows ? 'rows' : options & F.groups ? 'groups' : 'range';
  return { mode, start, end, exclude };
}
