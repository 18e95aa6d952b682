import type { LocalStage } from '../../local/local-stage';
import type { FunctionSpec } from '../../local/template/stage';

/**
 * Plays CodeDeploy for one lifecycle event: registers the deployment (in the function's deployment group, as
 * CodeDeploy does), invokes the hook, reads what it reported. `whileRunning` gets the deployment's ids as the
 * hook starts, for a test that acts on the deployment meanwhile.
 */
export async function runHook(
  stage: LocalStage,
  hook: 'PreTrafficHook' | 'PostTrafficHook',
  target: FunctionSpec,
  targetVersion: string,
  whileRunning?: (deployment: { deploymentId: string; preTraffic: string; postTraffic: string }) => void,
) {
  const group = stage.model.deploymentOf(target.logicalId, targetVersion);
  const deployment = stage.codedeploy.createDeployment({
    functionName: target.functionName,
    alias: target.alias ?? '$LATEST',
    currentVersion: target.alias ? stage.lambda.getAlias(target.functionName, target.alias).functionVersion : '$LATEST',
    targetVersion,
    targetVersionWeight: 0,
    application: group?.application,
    deploymentGroup: group?.deploymentGroup,
  });
  whileRunning?.(deployment);
  const executionId = hook === 'PreTrafficHook' ? deployment.preTraffic : deployment.postTraffic;
  const started = Date.now();
  const { result } = await stage.lambda.invoke(functionNamed(stage, hook).functionName, {
    DeploymentId: deployment.deploymentId,
    LifecycleEventHookExecutionId: executionId,
  });
  return {
    result,
    elapsedMs: Date.now() - started,
    statuses: stage.codedeploy.statuses.filter((s) => s.lifecycleEventHookExecutionId === executionId).map((s) => s.status),
  };
}

export const functionNamed = (stage: LocalStage, logicalId: string): FunctionSpec => {
  const spec = stage.lambda.specs.find((fn) => fn.logicalId === logicalId);
  if (!spec) throw new Error(`no function ${logicalId} in template.yaml`);
  return spec;
};

/** Log lines reach the stage a moment after the invocation returns; waits up to 2 s for a matching one. */
export async function logLine(lines: string[], matches: (entry: Record<string, any>) => boolean) { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let waited = 0; waited <= 2_000; waited += 50) {
    const found = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)).find(matches);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no such log line among:\n${lines.join('\n')}`);
}

/** The hook's one structured verdict line. */
export const verdictLine = (lines: string[]) =>
  logLine(lines, (entry) => typeof entry.message === 'string' && entry.message.startsWith('lifecycle verdict'));

/**
 * A deployment of a function's version 2 over version 1, registered with the stage's CodeDeploy in the
 * function's deployment group, as CodeDeploy starts one; `stops` collects each StopDeployment of it.
 */
export function registerDeployment(stage: LocalStage, logicalId: string) {
  const spec = stage.model.deploymentOf(logicalId, '2')!;
  const ids = stage.codedeploy.createDeployment({
    functionName: functionNamed(stage, logicalId).functionName,
    alias: 'live',
    currentVersion: '1',
    targetVersion: '2',
    targetVersionWeight: 0,
    application: spec.application,
    deploymentGroup: spec.deploymentGroup,
  });
  const stops: string[] = [];
  stage.codedeploy.onStop(ids.deploymentId, (id) => stops.push(id));
  return { ...ids, stops };
}
