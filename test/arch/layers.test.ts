// Guards the architecture's one rule between layers: imports go down only
// (cli -> server -> wire -> sql -> txn -> kv -> raft; util from anywhere), and a layer
// is entered only through its public surface, its index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const srcRoot = resolve(import.meta.dirname, '../../src');
const order = ['util', 'raft', 'kv', 'txn', 'sql', 'wire', 'server', 'cli'] as const;
type Layer = (typeof order)[number];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function layerOf(file: string): Layer | null {
  const first = relative(srcRoot, file).split('/')[0];
  return (order as readonly string[]).includes(first ?? '') ? (first as Layer) : null;
}

/** Every relative module specifier in a file: static imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(pattern)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined && spec.startsWith('.')) found.push(spec);
  }
  return found;
}

/** The violations of the layering rule in one file, as readable lines. */
function violations(file: string, text: string): string[] {
  const from = layerOf(file);
  if (from === null) return [];
  const problems: string[] = [];
  for (const spec of importsOf(text)) {
    const target = resolve(dirname(file), spec);
    const to = layerOf(target);
    const where = `${relative(srcRoot, file)} imports ${spec}`;
    if (to === null) {
      problems.push(`${where}: outside src/`);
      continue;
    }
    if (to === from) continue;
    if (order.indexOf(to) > order.indexOf(from)) {
      problems.push(`${where}: upward (${from} -> ${to})`);
      continue;
    }
    // util's pieces (util/encoding/...) are each entered through their own index.ts.
    const isIndex = target.endsWith('/index.ts');
    if (!isIndex) problems.push(`${where}: not through ${to}'s index.ts`);
  }
  return problems;
}

test('no layer imports upward or around a public surface', () => {
  const problems = sourceFiles(srcRoot).flatMap((f) => violations(f, readFileSync(f, 'utf8')));
  assert.deepEqual(problems, []);
});

test('the checker itself catches an upward import and a private import', () => {
  const kvFile = join(srcRoot, 'kv', 'x.ts');
  assert.equal(violations(kvFile, "import { y } from '../sql/index.ts';").length, 1);
  assert.equal(violations(kvFile, "import { y } from '../raft/log.ts';").length, 1);
  assert.equal(violations(kvFile, "const m = await import('../wire/index.ts');").length, 1);
  assert.equal(violations(kvFile, "import { y } from '../raft/index.ts';").length, 0);
  assert.equal(violations(kvFile, "import { assert } from '../util/index.ts';").length, 0);
});
