/**
 * `npm run invoke -- <LogicalId> -e events/<file>.json`: runs one function or hook of template.yaml on a
 * local stage and prints its result and logs — what `sam local invoke` is for, without Docker.
 *   --target <LogicalId>   for a hook: the Company function whose deployment the event stands for
 *   --data-dir <folder>    DynamoDB Local data kept by `npm start -- --data-dir` (stop that stage first)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLocalStage } from '../local-stage';

const usage = 'usage: npm run invoke -- <LogicalId> -e events/<file>.json [--target <LogicalId>] [--data-dir <folder>]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { event: { type: 'string', short: 'e' }, target: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const [logicalId] = positionals;
  if (!logicalId || !values.event) throw new Error(usage);
  const event = JSON.parse(readFileSync(values.event, 'utf8'));
  const logs: string[] = [];
  const stage = await startLocalStage({ port: 0, persistDir: values['data-dir'], onLog: (fn, line) => logs.push(`${fn} | ${line}`) });
  try {
    const byId = (id: string) => {
      const spec = stage.lambda.specs.find((fn) => fn.logicalId === id);
      if (!spec) throw new Error(`template.yaml has no function ${id}; it has ${stage.lambda.specs.map((fn) => fn.logicalId).join(', ')}`);
      return spec;
    };
    const fn = byId(logicalId);
    const lifecycle = typeof event.DeploymentId === 'string' && typeof event.LifecycleEventHookExecutionId === 'string';
    if (lifecycle) {
      if (!values.target) throw new Error(`${logicalId} is a lifecycle hook: say which deployment it judges with --target <LogicalId>`);
      const target = byId(values.target);
      // As AutoPublishAlias would: the current build becomes the version under deployment.
      const targetVersion = stage.lambda.publishVersion(target.functionName, target.bundleDir);
      stage.codedeploy.createDeployment(
        { functionName: target.functionName, alias: target.alias ?? 'live', currentVersion: '1', targetVersion, targetVersionWeight: 0 },
        { deploymentId: event.DeploymentId, preTraffic: event.LifecycleEventHookExecutionId, postTraffic: event.LifecycleEventHookExecutionId },
      );
    }
    const started = performance.now();
    const { version, result } = await stage.lambda.invoke(fn.functionName, event, fn.alias);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last log lines are still in flight
    console.log(`${fn.logicalId} (version ${version.version}) in ${(performance.now() - started).toFixed(0)} ms`);
    console.log('--- logs');
    for (const line of logs) console.log(line);
    console.log(result.ok ? '--- result' : '--- function error');
    console.log(JSON.stringify(result.ok ? JSON.parse(result.payload) : result.error, null, 2));
    if (lifecycle) console.log(`--- CodeDeploy recorded: ${stage.codedeploy.statusOf(event.LifecycleEventHookExecutionId) ?? 'no status'}`);
    return result.ok ? 0 : 1;
  } finally {
    await stage.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error.message);
    process.exit(2);
  },
);
