/** `npm run build`: bundles every esbuild function of template.yaml into .aws-sam/build/<LogicalId>/, as `sam build` does. */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../template/cloudformation';
import { type FunctionSpec, loadStage } from '../template/stage';

/**
 * Bundles one function. Files are written aside and renamed into place, each rename atomic, so a stage or
 * test run loading the bundle at that moment reads the old file or the new one, never half of one.
 */
export async function buildFunction(fn: FunctionSpec, sourceRoot = ROOT, outdir = fn.bundleDir) {
  if (!fn.build) throw new Error(`${fn.logicalId} has no esbuild Metadata in template.yaml`);
  const staging = `${outdir}.${process.pid}.building`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    absWorkingDir: sourceRoot,
    entryPoints: fn.build.entryPoints,
    outdir: staging,
    bundle: true,
    platform: 'node',
    target: fn.build.target,
    format: fn.build.format,
    minify: fn.build.minify,
    sourcemap: fn.build.sourcemap,
    external: fn.build.external,
    mainFields: fn.build.mainFields,
    logLevel: 'warning',
  });
  mkdirSync(outdir, { recursive: true });
  for (const file of readdirSync(staging)) renameSync(join(staging, file), join(outdir, file));
  rmSync(staging, { recursive: true, force: true });
}

export async function buildAll(): Promise<void> {
  const started = Date.now();
  const functions = loadStage().functions.filter((fn) => fn.build);
  await Promise.all(functions.map((fn) => buildFunction(fn)));
  console.log(`built ${functions.length} functions into ${relative(ROOT, functions[0]!.bundleDir + '/..')} in ${Date.now() - started} ms`);
}

if (require.main === module) {
  buildAll().catch((error) => {
    console.error(`build failed: ${error.message}\nFix the error above, then run npm run build again.`);
    process.exit(1);
  });
}
