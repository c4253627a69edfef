/**
 * A small directed multigraph of transactions with typed edges (ww, wr, rw, and optional
 * realtime / process order), strongly connected components (Tarjan, iterative) and
 * shortest-cycle search restricted to edge types. Used by the list-append checker.
 */

export type EdgeType = 'ww' | 'wr' | 'rw' | 'rt';

export class DepGraph {
  /** from -> to -> edge types. */
  readonly out = new Map<number, Map<number, Set<EdgeType>>>();

  add(from: number, to: number, type: EdgeType): void {
    if (from === to) return;
    const m = this.out.get(from) ?? new Map<number, Set<EdgeType>>();
    const s = m.get(to) ?? new Set<EdgeType>();
    s.add(type);
    m.set(to, s);
    this.out.set(from, m);
  }

  nodes(): number[] {
    const all = new Set<number>();
    for (const [from, m] of this.out) {
      all.add(from);
      for (const to of m.keys()) all.add(to);
    }
    return [...all].sort((a, b) => a - b);
  }

  /** Successors of `from` over edges with one of `types`. */
  next(from: number, types: ReadonlySet<EdgeType>): number[] {
    const out: number[] = [];
    for (const [to, ts] of this.out.get(from) ?? []) for (const t of ts) if (types.has(t)) {
      out.push(to);
      break;
    }
    return out;
  }

  has(from: number, to: number, type: EdgeType): boolean {
    return this.out.get(from)?.get(to)?.has(type) === true;
  }

  /** Strongly connected components with more than one node, over edges of `types`. */
  sccs(types: ReadonlySet<EdgeType>): number[][] {
    const index = new Map<number, number>();
    const low = new Map<number, number>();
    const onStack = new Set<number>();
    const stack: number[] = [];
    const out: number[][] = [];
    let counter = 0;
    for (const root of this.nodes()) {
      if (index.has(root)) continue;
      const work: { node: number; succ: number[]; i: number }[] = [];
      const visit = (n: number): void => {
        index.set(n, counter);
        low.set(n, counter);
        counter++;
        stack.push(n);
        onStack.add(n);
        work.push({ node: n, succ: this.next(n, types), i: 0 });
      };
      visit(root);
      while (work.length > 0) {
        const top = work[work.length - 1] as { node: number; succ: number[]; i: number };
        if (top.i < top.succ.length) {
          const s = top.succ[top.i++] as number;
          if (!index.has(s)) visit(s);
          else if (onStack.has(s)) low.set(top.node, Math.min(low.get(top.node) as number, index.get(s) as number));
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
        if (low.get(top.node) === index.get(top.node)) {
          const comp: number[] = [];
          for (;;) {
            const x = stack.pop() as number;
            onStack.delete(x);
            comp.push(x);
            if (x === top.node) break;
          }
          if (comp.length > 1) out.push(comp.sort((a, b) => a - b));
        }
      }
    }
    return out;
  }

  /** The shortest path from `from` to `to` over `types` inside `within`, as nodes, or null. */
  path(from: number, to: number, types: ReadonlySet<EdgeType>, within: ReadonlySet<number>): number[] | null {
    const parent = new Map<number, number>([[from, from]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i] as number;
      for (const n of this.next(at, types)) {
        if (!within.has(n) || parent.has(n)) continue;
        parent.set(n, at);
        if (n === to) {
          const p = [n];
          for (let x = at; x !== from; x = parent.get(x) as number) p.unshift(x);
          p.unshift(from);
          return p;
        }
        queue.push(n);
      }
    }
    return null;
  }
}
