/**
 * Classic Raft bugs, planted one at a time into a copy of src/raft, to show that the
 * simulator catches them. Production code carries no mutation hooks: each mutant is a
 * textual patch applied to a temporary copy of the sources, and every patch must match
 * exactly once, so a refactoring of the core that moves a site fails loudly here instead
 * of silently testing nothing.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runSeed, type RaftModule } from '../sim/simulator.ts';

export interface Patch {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

export interface Mutant {
  readonly name: string;
  readonly bug: string;
  readonly patches: readonly Patch[];
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'commit-earlier-term',
    bug: 'the leader commits an entry of an earlier term by counting replicas (Raft figure 8)',
    patches: [
      {
        file: 'raft-log.ts',
        find: 'if (index > this.committed && this.term(index) === term) {',
        replace: 'if (index > this.committed && this.term(index) !== undefined) {',
      },
    ],
  },
  {
    name: 'vote-without-log-check',
    bug: 'a vote is granted without checking that the candidate log is up to date',
    patches: [
      {
        file: 'raft.ts',
        find: 'const uptodate = this.log.isUpToDate(m.lastIndex, m.lastTerm);',
        replace: 'const uptodate = true;',
      },
    ],
  },
  {
    name: 'vote-not-persisted',
    bug: 'the vote is not part of the persisted hard state, so a restarted replica votes twice in a term',
    patches: [{ file: 'raw-node.ts', find: 'vote: this.raft.vote,', replace: 'vote: NO_REPLICA,' }],
  },
  {
    name: 'apply-before-commit',
    bug: 'entries are handed to the application before they are committed',
    patches: [
      {
        file: 'raft-log.ts',
        find: 'return this.committed > Math.max(this.applied, this.firstIndex() - 1);',
        replace: 'return this.lastIndex() > Math.max(this.applied, this.firstIndex() - 1);',
      },
      {
        file: 'raft-log.ts',
        find: 'return this.slice(lo, this.committed + 1, this.maxCommittedBytesPerReady) ?? [];',
        replace: 'return this.slice(lo, this.lastIndex() + 1, this.maxCommittedBytesPerReady) ?? [];',
      },
    ],
  },
  {
    name: 'accept-stale-append',
    bug: 'an append from a leader of an older term is accepted',
    patches: [
      {
        file: 'raft.ts',
        find: '} else if (m.term < this.term) {',
        replace: "} else if (m.term < this.term && m.kind !== 'app') {",
      },
    ],
  },
  {
    name: 'quorum-off-by-one',
    bug: 'a quorum is taken to be half of the voters instead of a majority',
    patches: [{ file: 'quorum.ts', find: 'return Math.floor(n / 2) + 1;', replace: 'return Math.max(1, Math.floor(n / 2));' }],
  },
  {
    name: 'heartbeat-commit-unmatched',
    bug: "heartbeats carry the leader's full commit index, so a follower commits entries it has not matched",
    patches: [{ file: 'leader.ts', find: 'const commit = Math.min(pr.match, r.log.committed);', replace: 'const commit = Math.min(r.log.committed, Math.max(pr.match, pr.next - 1, 0));' }],
  },
  {
    name: 'truncate-on-every-append',
    bug: 'a follower truncates its log after every append instead of only at a conflict, so a delayed append erases acknowledged entries',
    patches: [
      {
        file: 'raft-log.ts',
        find: 'const conflict = this.findConflict(entries);',
        replace: 'const conflict = entries.length > 0 && entries[0]!.index > this.committed ? entries[0]!.index : this.findConflict(entries);',
      },
    ],
  },
  {
    name: 'read-without-quorum-check',
    bug: 'a ReadIndex request is answered without confirming leadership with a quorum',
    patches: [{ file: 'leader.ts', find: 'switch (r.cfg.readOnly) {', replace: "switch ('lease-based' as string) {" }],
  },
];

const RAFT_SRC = fileURLToPath(new URL('../../../src/raft/', import.meta.url));
const UTIL_INDEX = fileURLToPath(new URL('../../../src/util/index.ts', import.meta.url));

/** Copies src/raft to a temporary directory, applies the mutant's patches and loads it. */
export async function loadMutant(mutant: Mutant): Promise<{ raft: RaftModule; dispose: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), `tessera-raft-${mutant.name}-`));
  cpSync(RAFT_SRC, dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.ts')) continue;
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll("'../util/index.ts'", JSON.stringify(UTIL_INDEX)));
  }
  for (const p of mutant.patches) {
    const path = join(dir, p.file);
    const text = readFileSync(path, 'utf8');
    const count = text.split(p.find).length - 1;
    if (count !== 1) throw new Error(`mutant ${mutant.name}: patch site found ${count} times in ${p.file}: ${p.find}`);
    writeFileSync(path, text.replace(p.find, p.replace));
  }
  const raft = (await import(pathToFileURL(join(dir, 'index.ts')).href)) as RaftModule;
  return { raft, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Hunt {
  readonly mutant: Mutant;
  /** The first seed that caught it, or undefined if it survived the budget. */
  readonly seed: number | undefined;
  readonly seedsRun: number;
  readonly error: string;
}

export function replayMutantCommand(mutant: Mutant, seed: number): string {
  return `npm run sim:mutants -- --mutant ${mutant.name} --seed ${seed}`;
}

/** Runs seeds first..first+budget-1 against the mutant until one fails. */
export async function hunt(mutant: Mutant, budget: number, first = 1): Promise<Hunt> {
  const { raft, dispose } = await loadMutant(mutant);
  try {
    for (let k = 0; k < budget; k++) {
      const seed = first + k;
      const result = runSeed(seed, { raft, replay: (s) => replayMutantCommand(mutant, s) });
      if (!result.ok) return { mutant, seed, seedsRun: k + 1, error: result.error };
    }
    return { mutant, seed: undefined, seedsRun: budget, error: '' };
  } finally {
    dispose();
  }
}
