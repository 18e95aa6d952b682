import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildFunction } from '../cli/build';
import { ROOT } from '../template/cloudformation';
import type { FunctionSpec } from '../template/stage';

/** Builds, fingerprints and keeps function bundles for rehearsed deployments. */

/** The code of a bundle, without its source map: equal fingerprints mean Lambda would run the same code. */
export function fingerprint(bundleDir: string): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(bundleDir).filter((name) => name.endsWith('.js')).sort()) hash.update(file).update(readFileSync(join(bundleDir, file)));
  return hash.digest('hex');
}

/** Bundles each function from `sourceRoot` into `outRoot/<LogicalId>`, as `sam build` would. */
export async function buildAll(functions: FunctionSpec[], sourceRoot: string, outRoot: string): Promise<Map<string, string>> {
  const built = new Map<string, string>();
  await Promise.all(
    functions.map(async (fn) => {
      const outdir = join(outRoot, fn.logicalId);
      await buildFunction(fn, sourceRoot, outdir);
      built.set(fn.logicalId, outdir);
    }),
  );
  return built;
}

/**
 * The source of the project at a git ref, in a folder inside the project so that it resolves the
 * project's node_modules as the working tree does.
 */
export function checkout(ref: string, into: string): string {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  try {
    const archive = execFileSync('git', ['archive', '--format=tar', ref, 'functions', 'hooks', 'open-api'], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', into], { input: archive });
  } catch (error) {
    throw new Error(`could not read the source at ${ref}: ${(error as Error).message.split('\n')[0]}. Check the ref with git log.`, { cause: error });
  }
  return into;
}

/** What the last successful rehearsal deployed, per function, kept between runs. */
export const deployedState = {
  load(stateDir: string, logicalId: string): string | undefined {
    const dir = join(stateDir, logicalId);
    return existsSync(dir) ? dir : undefined;
  },
  save(stateDir: string, logicalId: string, bundleDir: string): void {
    const dir = join(stateDir, logicalId);
    if (resolve(dir) === resolve(bundleDir)) return;
    rmSync(dir, { recursive: true, force: true });
    cpSync(bundleDir, dir, { recursive: true });
  },
};
