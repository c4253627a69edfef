/**
 * `npm run jepsen -- --time SECONDS --nodes N --nemesis kill,pause --workload bank,register,list-append
 *  [--clients C] [--isolation serializable|read-committed] [--seed S] [--results DIR]
 *  [--quiet-ms MS] [--fault-ms MS]`  (nemesis rhythm: MS without a fault, then MS with one)
 *
 * Runs each workload on a fresh cluster for the given time with the nemeses, checks the
 * history and writes, under the results folder (default results/jepsen/<timestamp>), one
 * directory per workload (history.jsonl, nemesis.jsonl, result.json) and report.md.
 * Exits 1 when any checker found an anomaly.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from './cluster.ts';
import { makeNemesis } from './nemesis.ts';
import { runWorkload, writeRunResults, type RunResult } from './runner.ts';
import { makeWorkload, type Isolation } from './workloads.ts';

function reportLine(r: RunResult): string {
  const anomalies = Object.entries(r.check.anomalies).map(([k, v]) => `${k} (${v.length}${v.length >= 5 ? '+' : ''})`).join(', ');
  return `| ${r.workload} | ${r.isolation} | ${(r.durationMs / 1000).toFixed(0)} s | ${r.counts.ok} / ${r.counts.fail} / ${r.counts.info} | ${r.check.checked} | ${r.check.valid ? 'valid' : `**INVALID**: ${anomalies}`} |`;
}

export function renderReport(args: { time: number; nodes: number; nemesis: string; seed: number }, runs: readonly RunResult[]): string {
  const lines = [
    `# Jepsen-style run`,
    '',
    `time ${args.time} s per workload, ${args.nodes} node(s), nemeses: ${args.nemesis || 'none'}, seed ${args.seed}`,
    '',
    '| workload | isolation | duration | ok / fail / info | checked | verdict |',
    '|---|---|---:|---:|---:|---|',
    ...runs.map(reportLine),
    '',
    `Operations checked in total: ${runs.reduce((n, r) => n + r.check.checked, 0)}.`,
    '',
  ];
  for (const r of runs) {
    lines.push(`## ${r.workload}`, '', `errors: ${JSON.stringify(r.errors)}`, `nemesis events: ${r.nemesisLog.length}`, '');
    for (const [kind, examples] of Object.entries(r.check.anomalies)) {
      lines.push(`### ${kind}`, '', ...examples.map((e) => `- ${e}`), '');
    }
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      time: { type: 'string', default: '30' },
      nodes: { type: 'string', default: '1' },
      nemesis: { type: 'string', default: 'kill,pause' },
      workload: { type: 'string', default: 'bank,register,list-append' },
      clients: { type: 'string', default: '5' },
      isolation: { type: 'string', default: 'serializable' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      results: { type: 'string' },
      'quiet-ms': { type: 'string', default: '2000' },
      'fault-ms': { type: 'string', default: '2000' },
    },
  });
  const time = Number(values.time);
  const nodes = Number(values.nodes);
  const seed = Number(values.seed);
  const isolation: Isolation = values.isolation === 'read-committed' || values.isolation === 'read committed' ? 'read committed' : 'serializable';
  const nemesisNames = values.nemesis.split(',').filter((n) => n !== '' && n !== 'none');
  nemesisNames.forEach((n) => makeNemesis(n, nodes)); // refuse unknown or unavailable ones before starting anything
  const dir = resolve(values.results ?? join('results', 'jepsen', new Date().toISOString().replace(/[:.]/g, '-')));
  mkdirSync(dir, { recursive: true });
  const runs: RunResult[] = [];
  for (const [i, name] of values.workload.split(',').entries()) {
    const workload = makeWorkload(name);
    const cluster = await startCluster(nodes);
    try {
      const setup = await import('pg').then((m) => new m.default.Client({ connectionString: cluster.nodes[0]!.connectionString() }));
      await setup.connect();
      await workload.setup(setup);
      await setup.end();
      process.stderr.write(`running ${name} for ${time} s (nemeses: ${nemesisNames.join(',') || 'none'})\n`);
      const r = await runWorkload({
        cluster,
        workload,
        clients: Number(values.clients),
        timeMs: time * 1000,
        nemeses: nemesisNames.map((n) => makeNemesis(n, nodes)),
        nemesisTiming: { quietMs: Number(values['quiet-ms']), faultMs: Number(values['fault-ms']) },
        isolation,
        seed: seed + i,
      });
      writeRunResults(join(dir, name), r);
      runs.push(r);
      process.stderr.write(`${reportLine(r)}\n`);
    } finally {
      await cluster.close();
    }
  }
  const report = renderReport({ time, nodes, nemesis: nemesisNames.join(','), seed }, runs);
  writeFileSync(join(dir, 'report.md'), report);
  process.stdout.write(`${report}\nresults in ${dir}\n`);
  return runs.every((r) => r.check.valid) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`jepsen: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
