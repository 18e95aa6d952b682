/** `npm run build`: bundles every esbuild function of template.yaml into .aws-sam/build/<LogicalId>/, as `sam build` does. */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from '../template/cloudformation';
import { type FunctionSpec, loadStage } from '../template/stage';

export async function buildFunction(fn: FunctionSpec, sourceRoot = ROOT, outdir = fn.bundleDir) {
  if (!fn.build) throw new Error(`${fn.logicalId} has no esbuild Metadata in template.yaml`);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: sourceRoot,
    entryPoints: fn.build.entryPoints,
    outdir,
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
