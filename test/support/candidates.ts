import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildFunction } from '../../local/cli/build';
import { ROOT } from '../../local/template/cloudformation';
import type { FunctionSpec } from '../../local/template/stage';
import type { FaultName, Strike } from './fault-wrappers';

/**
 * Candidate versions for tests: a copy of the source with one deliberate change, bundled exactly as the
 * real build bundles it. Production code has no switch for any of this.
 */
const CANDIDATES_DIR = join(ROOT, '.local', 'candidates');

export interface SourcePatch {
  file: string;
  find: string | RegExp;
  replace: string;
}

/** An operation whose exported handler is wrapped in a named fault (fault-wrappers.ts); its code is not touched. */
export interface EntryFault {
  /** The entry file, as template.yaml's EntryPoints names it. */
  entry: string;
  fault: FaultName;
  strike: Strike;
}

export type SourceChange = SourcePatch | EntryFault;

const FAULT_WRAPPERS = join(__dirname, 'fault-wrappers');

/**
 * The entry file becomes one that exports the real handler, moved beside it, wrapped in the fault: the
 * candidate's bundle keeps its name and handler, and survives any change to the handler's text.
 */
function wrapEntry(dir: string, { entry, fault, strike }: EntryFault): void {
  const path = join(dir, entry);
  const unwrapped = path.replace(/\.ts$/, '.unwrapped.ts');
  renameSync(path, unwrapped);
  writeFileSync(
    path,
    [
      `import { handler as unwrapped } from './${basename(unwrapped, '.ts')}';`,
      `import { faults } from ${JSON.stringify(FAULT_WRAPPERS)};`,
      `export const handler = faults.${fault}(unwrapped, ${JSON.stringify(strike)});`,
    ].join('\n'),
  );
}

/** A changed copy of the source, inside the project so it resolves the project's node_modules. */
export function copySource(changes: SourceChange[]): string {
  const dir = join(CANDIDATES_DIR, randomUUID());
  mkdirSync(dir, { recursive: true });
  for (const folder of ['functions', 'hooks']) cpSync(join(ROOT, folder), join(dir, folder), { recursive: true });
  for (const change of changes) {
    if ('fault' in change) {
      wrapEntry(dir, change);
      continue;
    }
    const path = join(dir, change.file);
    const source = readFileSync(path, 'utf8');
    const changed = source.replace(change.find, change.replace);
    if (changed === source) throw new Error(`patch did not apply to ${change.file}: ${String(change.find)}`);
    writeFileSync(path, changed);
  }
  return dir;
}

export async function buildCandidate(spec: FunctionSpec, changes: SourceChange[]): Promise<string> {
  const dir = copySource(changes);
  const outdir = join(dir, 'bundle');
  await buildFunction(spec, dir, outdir);
  return outdir;
}

export const removeCandidates = () => rmSync(CANDIDATES_DIR, { recursive: true, force: true });
