/**
 * Tessera's own SQL syntax tree. The parser adapter (convert-*.ts) builds it from
 * libpg-query's JSON, so nothing outside src/sql/parser depends on that JSON's shape.
 *
 * Nodes are readonly, plain data (JSON-serialisable: literals keep their source text),
 * discriminated by `kind`. `pos` is the 0-based character offset in the statement's query
 * string where PostgreSQL would point an error at, or -1 when unknown.
 */

import type { AuthStatement } from '../auth/auth-ast.ts';

export type Literal =
  /** An integer literal, as written (no sign): typed int4, int8 or numeric by size. */
  | { readonly kind: 'integer'; readonly text: string }
  /** A literal with a point or exponent: numeric. */
  | { readonly kind: 'decimal'; readonly text: string }
  /** A quoted string: type unknown until context decides. */
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  /** B'0101' or X'ff': text after the leading b/x marker. */
  | { readonly kind: 'bitstring'; readonly text: string };

export interface TypeName {
  /** Lower-case name without a pg_catalog qualifier: 'int4', 'varchar', 'timestamptz'... */
  readonly name: string;
  /** Type modifiers, e.g. varchar(10) -> [10], numeric(10, 2) -> [10, 2]. */
  readonly mods: readonly number[];
  readonly isArray: boolean;
  readonly pos: number;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%'
  | '=' | '<>' | '<' | '<=' | '>' | '>='
  | '||'
  /** json/jsonb and array operators. */
  | '->' | '->>' | '#>' | '#>>' | '@>' | '<@' | '?' | '?|' | '?&' | '&&' | '#-';

export type Expr =
  | { readonly kind: 'literal'; readonly value: Literal; readonly pos: number }
  | { readonly kind: 'column'; readonly table: string | null; readonly name: string; readonly pos: number }
  /** `*` or `t.*` in a select list or count(*). */
  | { readonly kind: 'star'; readonly table: string | null; readonly pos: number }
  /** $n, 1-based. */
  | { readonly kind: 'param'; readonly index: number; readonly pos: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly pos: number }
  | { readonly kind: 'negate'; readonly operand: Expr; readonly pos: number }
  | { readonly kind: 'and'; readonly args: readonly Expr[]; readonly pos: number }
  | { readonly kind: 'or'; readonly args: readonly Expr[]; readonly pos: number }
  | { readonly kind: 'not'; readonly arg: Expr; readonly pos: number }
  | { readonly kind: 'is-null'; readonly arg: Expr; readonly negated: boolean; readonly pos: number }
  /** IS [NOT] TRUE / FALSE / UNKNOWN. */
  | { readonly kind: 'is-bool'; readonly arg: Expr; readonly test: 'true' | 'false' | 'unknown'; readonly negated: boolean; readonly pos: number }
  | { readonly kind: 'is-distinct'; readonly left: Expr; readonly right: Expr; readonly negated: boolean; readonly pos: number }
  | { readonly kind: 'cast'; readonly arg: Expr; readonly type: TypeName; readonly pos: number }
  | {
      readonly kind: 'func';
      readonly name: string;
      readonly args: readonly Expr[];
      /** count(*) */
      readonly star: boolean;
      readonly distinct: boolean;
      /** An aggregate's FILTER (WHERE ...). */
      readonly filter?: Expr;
      /** agg(x ORDER BY y): the order the aggregate sees its input in. */
      readonly orderBy?: readonly OrderItem[];
      /** agg(args) WITHIN GROUP (ORDER BY y): an ordered-set aggregate (percentile_cont, mode...). */
      readonly withinGroup?: boolean;
      /** OVER (...): a window function call. */
      readonly over?: WindowSpec;
      readonly pos: number;
    }
  | { readonly kind: 'in-list'; readonly arg: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly pos: number }
  | { readonly kind: 'between'; readonly arg: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean; readonly pos: number }
  | { readonly kind: 'like'; readonly arg: Expr; readonly pattern: Expr; readonly negated: boolean; readonly caseInsensitive: boolean; readonly pos: number }
  | {
      readonly kind: 'case';
      readonly operand: Expr | null;
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly orElse: Expr | null;
      readonly pos: number;
    }
  | { readonly kind: 'coalesce'; readonly args: readonly Expr[]; readonly pos: number }
  | { readonly kind: 'nullif'; readonly left: Expr; readonly right: Expr; readonly pos: number }
  /**
   * A subquery: EXISTS (...), (SELECT ...) as a value, `arg op ANY/ALL (SELECT ...)`
   * (IN is `= ANY`; NOT IN is NOT over it).
   */
  | {
      readonly kind: 'subquery';
      /** 'array': ARRAY(SELECT ...), the first column's values as an array. */
      readonly mode: 'exists' | 'scalar' | 'any' | 'all' | 'array';
      readonly arg: Expr | null;
      readonly op: BinaryOp | null;
      readonly select: SelectStmt;
      readonly pos: number;
    }
  /** ARRAY[a, b, ...] */
  | { readonly kind: 'array'; readonly elements: readonly Expr[]; readonly pos: number }
  /** a[i] (lower null unless a slice a[lower:upper]; a missing bound of a slice is null too). */
  | { readonly kind: 'subscript'; readonly arg: Expr; readonly lower: Expr | null; readonly upper: Expr | null; readonly slice: boolean; readonly pos: number }
  /** `left op ANY (array)` / `left op ALL (array)` (with an array value, not a subquery). */
  | { readonly kind: 'array-op'; readonly mode: 'any' | 'all'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly pos: number }
  /** DEFAULT in an INSERT's VALUES row or an UPDATE's SET. */
  | { readonly kind: 'default'; readonly pos: number }
  /** Valid SQL that Tessera does not support yet (a subquery, an array, ...). */
  | { readonly kind: 'unsupported-expr'; readonly what: string; readonly pos: number };

/** A frame edge of a window (offsets are expressions, evaluated once per execution). */
export type FrameBound =
  | { readonly kind: 'unbounded-preceding' }
  | { readonly kind: 'preceding'; readonly offset: Expr }
  | { readonly kind: 'current-row' }
  | { readonly kind: 'following'; readonly offset: Expr }
  | { readonly kind: 'unbounded-following' };

export interface WindowFrame {
  readonly mode: 'rows' | 'range' | 'groups';
  readonly start: FrameBound;
  readonly end: FrameBound;
  readonly exclude: 'no-others' | 'current-row' | 'group' | 'ties';
}

/** OVER (...) or a WINDOW clause entry; `refName` names a window it extends. */
export interface WindowSpec {
  readonly refName: string | null;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  /** null: the default frame (RANGE UNBOUNDED PRECEDING TO CURRENT ROW). */
  readonly frame: WindowFrame | null;
  readonly pos: number;
}

export interface SelectItem {
  readonly expr: Expr;
  readonly alias: string | null;
}

export interface OrderItem {
  readonly expr: Expr;
  readonly descending: boolean;
  /** null = the default for the direction (NULLS LAST for ASC, FIRST for DESC). */
  readonly nullsFirst: boolean | null;
}

export interface TableRef {
  readonly schema: string | null;
  readonly name: string;
  readonly alias: string | null;
  readonly pos: number;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

/** What COMMENT ON names. */
export type CommentTarget =
  | { readonly kind: 'table' | 'view' | 'sequence' | 'index'; readonly ref: TableRef }
  | { readonly kind: 'column'; readonly ref: TableRef; readonly column: string }
  | { readonly kind: 'schema'; readonly name: string }
  | { readonly kind: 'type'; readonly ref: TableRef };

/** One FROM item: a table or a join of two items (USING and NATURAL are not yet supported). */
export type FromItem =
  | { readonly kind: 'table'; readonly ref: TableRef }
  /** A derived table: (SELECT ...) AS alias [(column aliases)]. */
  | { readonly kind: 'subquery'; readonly select: SelectStmt; readonly alias: string; readonly columnAliases: readonly string[]; readonly pos: number; readonly lateral?: boolean }
  /** A function in FROM (generate_series; a scalar function is one row): implicitly LATERAL, as in PostgreSQL. */
  | {
      readonly kind: 'function';
      readonly call: Expr;
      readonly alias: string | null;
      readonly columnAliases: readonly string[];
      readonly pos: number;
      readonly ordinality?: boolean;
      /** ROWS FROM (f(...), g(...), ...): every call, run in lockstep (`call` is the first). */
      readonly rowsFrom?: readonly Expr[];
    }
  | {
      readonly kind: 'join';
      readonly joinType: JoinType;
      readonly left: FromItem;
      readonly right: FromItem;
      readonly on: Expr | null;
      readonly pos: number;
      /** JOIN ... USING (columns); NATURAL JOIN sets `natural` (the common column names). */
      readonly using?: readonly string[];
      readonly natural?: boolean;
    };

export interface CommonTableExpr {
  readonly name: string;
  /** Declared in WITH RECURSIVE (it may then refer to itself). */
  readonly recursive?: boolean;
  readonly columnAliases: readonly string[];
  readonly select: SelectStmt;
}

export interface SelectStmt {
  readonly kind: 'select';
  readonly items: readonly SelectItem[];
  /** FROM items; several are cross-joined (a comma list). */
  readonly from: readonly FromItem[];
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | null;
  readonly offset: Expr | null;
  readonly distinct: boolean;
  /** DISTINCT ON (exprs): one row per distinct value of these (the first in ORDER BY order). */
  readonly distinctOn?: readonly Expr[];
  /**
   * FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE, with NOWAIT or SKIP LOCKED:
   * the rows read are locked for the rest of the transaction (null: a plain read).
   */
  readonly locking: { readonly wait: 'block' | 'nowait' | 'skip-locked' } | null;
  /**
   * UNION / INTERSECT / EXCEPT: when set, this statement is `left op right` and only its
   * orderBy / limit / offset apply (to the combined result); items, from... are empty.
   */
  /** WITH: common table expressions, visible in this query and its subqueries. */
  readonly with: readonly CommonTableExpr[];
  readonly setOp: { readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: SelectStmt; readonly right: SelectStmt } | null;
  /** GROUPING SETS / ROLLUP / CUBE: each set as positions in `groupBy`. */
  readonly groupingSets?: readonly (readonly number[])[];
  /** VALUES (...), (...) as a query: rows of expressions (items and from are empty). */
  readonly values?: readonly (readonly Expr[])[];
  /** WINDOW name AS (...) definitions. */
  readonly windows?: readonly { readonly name: string; readonly spec: WindowSpec }[];
}

export interface ColumnDef {
  readonly name: string;
  readonly type: TypeName;
  readonly notNull: boolean;
  /** NULL constraint written explicitly (conflicts with PRIMARY KEY). */
  readonly explicitNull: boolean;
  readonly primaryKey: boolean;
  readonly unique: boolean;
  readonly defaultExpr: Expr | null;
  /** GENERATED ALWAYS / BY DEFAULT AS IDENTITY [(sequence options)]. */
  readonly identity?: { readonly always: boolean; readonly options: SequenceOptions };
  readonly pos: number;
  /** Column CHECK constraints. */
  readonly checks?: readonly Expr[];
  /** REFERENCES table [(column)] [ON DELETE/UPDATE ...]. */
  readonly references?: ForeignKeyRef;
}

/** What a foreign key does to referencing rows when the referenced row goes or changes. */
export type FkAction = 'no-action' | 'restrict' | 'cascade' | 'set-null' | 'set-default';

export interface ForeignKeyRef {
  readonly table: TableRef;
  /** Empty: the referenced table's primary key. */
  readonly columns: readonly string[];
  readonly onDelete: FkAction;
  readonly onUpdate: FkAction;
}

/** CREATE SEQUENCE options as written (null: not given, the default applies). */
export interface SequenceOptions {
  readonly start: bigint | null;
  readonly increment: bigint | null;
  readonly minValue: bigint | null;
  readonly maxValue: bigint | null;
  readonly cycle: boolean | null;
  /** AS smallint | integer | bigint */
  readonly asType: string | null;
}

export interface IndexColumn {
  readonly name: string;
  readonly descending: boolean;
  readonly pos: number;
}

export type TableConstraint =
  | { readonly kind: 'primary-key'; readonly name: string | null; readonly columns: readonly string[]; readonly pos: number }
  | { readonly kind: 'unique'; readonly name: string | null; readonly columns: readonly string[]; readonly pos: number }
  | { readonly kind: 'check'; readonly name: string | null; readonly expr: Expr; readonly pos: number }
  | { readonly kind: 'foreign-key'; readonly name: string | null; readonly columns: readonly string[]; readonly ref: ForeignKeyRef; readonly pos: number };

/** One action of ALTER TABLE (RENAME statements become one-action ALTERs too). */
export type AlterAction =
  | { readonly kind: 'add-column'; readonly column: ColumnDef; readonly ifNotExists: boolean }
  | { readonly kind: 'drop-column'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'rename-column'; readonly from: string; readonly to: string }
  | { readonly kind: 'rename-table'; readonly to: string }
  | { readonly kind: 'rename-constraint'; readonly from: string; readonly to: string }
  | { readonly kind: 'set-default'; readonly column: string; readonly expr: Expr | null }
  | { readonly kind: 'set-not-null'; readonly column: string; readonly notNull: boolean }
  | { readonly kind: 'alter-type'; readonly column: string; readonly type: TypeName; readonly using: Expr | null }
  | { readonly kind: 'add-constraint'; readonly constraint: TableConstraint }
  | { readonly kind: 'drop-constraint'; readonly name: string; readonly ifExists: boolean }
  /** ALTER COLUMN c ADD GENERATED ALWAYS|BY DEFAULT AS IDENTITY [(SEQUENCE NAME s, options)]. */
  | { readonly kind: 'add-identity'; readonly column: string; readonly always: boolean; readonly sequenceName: readonly string[] | null; readonly options: SequenceOptions };

export type InsertSource =
  | { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[] }
  | { readonly kind: 'select'; readonly select: SelectStmt }
  | { readonly kind: 'default-values' };

export interface Assignment {
  readonly column: string;
  readonly value: Expr;
  readonly pos: number;
}

/** ON CONFLICT [target] DO NOTHING | DO UPDATE SET ... [WHERE ...]. */
export interface OnConflictClause {
  /** Columns of a unique index or the primary key, a constraint name, or none (any). */
  readonly target: { readonly kind: 'columns'; readonly columns: readonly string[] } | { readonly kind: 'constraint'; readonly name: string } | null;
  readonly action: 'nothing' | 'update';
  readonly set: readonly Assignment[];
  readonly where: Expr | null;
  readonly pos: number;
}

export type SetValue =
  | { readonly kind: 'values'; readonly values: readonly Literal[] }
  | { readonly kind: 'default' };

export type Statement =
  | SelectStmt
  | {
      readonly kind: 'insert';
      readonly table: TableRef;
      readonly columns: readonly { readonly name: string; readonly pos: number }[] | null;
      readonly source: InsertSource;
      readonly returning: readonly SelectItem[];
      /** ON CONFLICT DO NOTHING */
      readonly onConflictDoNothing: boolean;
      /** The whole ON CONFLICT clause, when there is one. */
      readonly onConflict?: OnConflictClause;
      /** WITH (read-only CTEs) before the statement. */
      readonly with?: readonly CommonTableExpr[];
      /** OVERRIDING SYSTEM VALUE (identity columns take the given values) or USER VALUE (they ignore them). */
      readonly overriding?: 'system' | 'user';
    }
  | {
      readonly kind: 'update';
      readonly table: TableRef;
      readonly set: readonly Assignment[];
      readonly where: Expr | null;
      readonly returning: readonly SelectItem[];
      /** UPDATE ... FROM items. */
      readonly from?: readonly FromItem[];
      readonly with?: readonly CommonTableExpr[];
    }
  | {
      readonly kind: 'delete';
      readonly table: TableRef;
      readonly where: Expr | null;
      readonly returning: readonly SelectItem[];
      readonly using?: readonly FromItem[];
      readonly with?: readonly CommonTableExpr[];
    }
  | { readonly kind: 'truncate'; readonly tables: readonly TableRef[] }
  | { readonly kind: 'alter-table'; readonly table: TableRef; readonly ifExists: boolean; readonly actions: readonly AlterAction[] }
  | {
      readonly kind: 'create-view';
      readonly view: TableRef;
      readonly columnAliases: readonly string[];
      readonly select: SelectStmt;
      readonly orReplace: boolean;
      /** The query as libpg-query's tree, from which the view's SQL definition is printed. */
      readonly queryTree?: unknown;
    }
  | { readonly kind: 'drop-view'; readonly views: readonly TableRef[]; readonly ifExists: boolean; readonly cascade?: boolean }
  | { readonly kind: 'create-schema'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'drop-schema'; readonly names: readonly string[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'create-database'; readonly name: string }
  | { readonly kind: 'drop-database'; readonly name: string; readonly ifExists: boolean }
  | {
      readonly kind: 'create-table';
      readonly table: TableRef;
      readonly ifNotExists: boolean;
      readonly columns: readonly ColumnDef[];
      readonly constraints: readonly TableConstraint[];
    }
  | { readonly kind: 'drop-table'; readonly tables: readonly TableRef[]; readonly ifExists: boolean; readonly cascade?: boolean }
  | {
      readonly kind: 'create-index';
      readonly name: string | null;
      readonly table: TableRef;
      readonly unique: boolean;
      readonly ifNotExists: boolean;
      readonly columns: readonly IndexColumn[];
      /** CREATE INDEX ... WHERE: a partial index. */
      readonly where?: Expr;
    }
  | { readonly kind: 'drop-index'; readonly names: readonly TableRef[]; readonly ifExists: boolean }
  | { readonly kind: 'create-enum'; readonly name: TableRef; readonly labels: readonly string[] }
  | { readonly kind: 'drop-type'; readonly names: readonly TableRef[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'create-sequence'; readonly name: TableRef; readonly ifNotExists: boolean; readonly options: SequenceOptions }
  | { readonly kind: 'drop-sequence'; readonly names: readonly TableRef[]; readonly ifExists: boolean }
  | { readonly kind: 'begin'; readonly isolation: 'serializable' | 'read-committed' | null; readonly readOnly: boolean }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  | { readonly kind: 'savepoint'; readonly name: string }
  | { readonly kind: 'rollback-to'; readonly name: string }
  | { readonly kind: 'release'; readonly name: string }
  | { readonly kind: 'set'; readonly name: string; readonly value: SetValue; readonly local: boolean }
  | { readonly kind: 'reset'; readonly name: string | null }
  | { readonly kind: 'show'; readonly name: string }
  | { readonly kind: 'explain'; readonly statement: Statement; readonly analyze?: boolean }
  /** Role and privilege statements (CREATE/ALTER/DROP ROLE, GRANT, REVOKE): see auth/auth-ast.ts. */
  | { readonly kind: 'auth'; readonly statement: AuthStatement }
  /** LOCK TABLE ... IN <mode> MODE; `mode` is PostgreSQL's lock level (1 ACCESS SHARE ... 8 ACCESS EXCLUSIVE). */
  | { readonly kind: 'lock'; readonly tables: readonly TableRef[]; readonly mode: number }
  /** SQL-level PREPARE name [(types)] AS statement: shares the protocol's named statements. */
  | { readonly kind: 'prepare'; readonly name: string; readonly paramTypes: readonly TypeName[]; readonly statement: Statement }
  | { readonly kind: 'execute'; readonly name: string; readonly params: readonly Expr[] }
  /**
   * ALTER TABLE/SEQUENCE/VIEW/SCHEMA/TYPE/DATABASE name OWNER TO role. `relation` is set for
   * the relation kinds (a table, sequence or view: ALTER TABLE names any of them).
   */
  | { readonly kind: 'alter-owner'; readonly objectType: 'relation' | 'schema' | 'type' | 'database'; readonly relation: TableRef | null; readonly name: string; readonly owner: string }
  /** COMMENT ON object IS 'text' | NULL (NULL removes the comment). */
  | { readonly kind: 'comment'; readonly target: CommentTarget; readonly text: string | null }
  /** ANALYZE [VERBOSE] [table [(columns)], ...]: no tables means every table of the database. */
  | { readonly kind: 'analyze'; readonly tables: readonly TableRef[] }
  /** ALTER SEQUENCE name OWNED BY table.column | NONE (the only change Tessera makes to a sequence). */
  | { readonly kind: 'alter-sequence'; readonly name: TableRef; readonly ownedBy: { readonly table: TableRef; readonly column: string } | null }
  /** DO 'body' (LANGUAGE plpgsql): the session runs the one block shape tools send (session-do.ts). */
  | { readonly kind: 'do'; readonly body: string; readonly language: string }
  /** CREATE EXTENSION: accepted for the extensions whose functions Tessera has built in. */
  | { readonly kind: 'create-extension'; readonly name: string; readonly ifNotExists: boolean }
  /** DEALLOCATE name, or ALL (name null). */
  | { readonly kind: 'deallocate'; readonly name: string | null }
  /** A statement PostgreSQL accepts that Tessera does not support yet. */
  | { readonly kind: 'unsupported'; readonly what: string; readonly pos: number };

/** One statement of a query string, with where it sits in that string. */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's own text (without the trailing semicolon). */
  readonly text: string;
  /** Offset of `text` in the whole query string; AST `pos` values are relative to the whole string. */
  readonly offset: number;
  /** Number of $n parameters the statement references (the highest n). */
  readonly paramCount: number;
}
