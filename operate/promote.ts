import { requestPromotion } from '../local';
import { deploymentsOf, UNFINISHED } from './deployments';
import type { CanaryFunction } from './stack';
import { type Target, TargetError } from './target';

/**
 * Why promote is the local stage's only: CodeDeploy has no call that ends a Lambda canary's bake early
 * (ContinueDeployment serves blue/green deployments' waits; aws/containers-roadmap #229), so on AWS the
 * supported way to skip the canary is a deployment with the all-at-once config, which this template's
 * DeploymentStrategy parameter selects.
 */
export const NO_PROMOTE_ON_AWS =
  'CodeDeploy has no call that ends a Lambda canary early (ContinueDeployment serves blue/green waits only): on AWS, let the bake run, ' +
  'abort it, or deploy without a canary: sam deploy --parameter-overrides DeploymentStrategy=AllAtOnce.';

/** Ends the bake of each chosen function's running deployment on the local stage; answers what happened, per function. */
export async function promote(target: Target, functions: CanaryFunction[]): Promise<string[]> {
  if (!target.local) throw new TargetError(NO_PROMOTE_ON_AWS);
  const lines: string[] = [];
  for (const fn of functions) {
    const [running] = await deploymentsOf(target.clients, fn, 1, UNFINISHED);
    if (!running) {
      lines.push(`${fn.logicalId}: no deployment in progress`);
      continue;
    }
    const { status, body } = await requestPromotion(target.local, running.deploymentId!);
    lines.push(status === 200 ? `${fn.logicalId}: ${running.deploymentId} promoted: its bake ends now` : `${fn.logicalId}: ${body.message ?? `the stage answered ${status}`}`);
  }
  return lines;
}
