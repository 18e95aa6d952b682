import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFunction } from '../../local/cli/build';
import { ROOT } from '../../local/template/cloudformation';
import type { FunctionSpec } from '../../local/template/stage';

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

/** A patched copy of the source, inside the project so it resolves the project's node_modules. */
export function copySource(patches: SourcePatch[]): string {
  const dir = join(CANDIDATES_DIR, randomUUID());
  mkdirSync(dir, { recursive: true });
  for (const folder of ['functions', 'hooks']) cpSync(join(ROOT, folder), join(dir, folder), { recursive: true });
  for (const patch of patches) {
    const path = join(dir, patch.file);
    const source = readFileSync(path, 'utf8');
    const changed = source.replace(patch.find, patch.replace);
    if (changed === source) throw new Error(`patch did not apply to ${patch.file}: ${String(patch.find)}`);
    writeFileSync(path, changed);
  }
  return dir;
}

export async function buildCandidate(spec: FunctionSpec, patches: SourcePatch[]): Promise<string> {
  const dir = copySource(patches);
  const outdir = join(dir, 'bundle');
  await buildFunction(spec, dir, outdir);
  return outdir;
}

export const removeCandidates = () => rmSync(CANDIDATES_DIR, { recursive: true, force: true });
