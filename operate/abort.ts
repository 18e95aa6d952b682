import { DeploymentAlreadyCompletedException, GetDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { deploymentsOf, targetOfDeployment, UNFINISHED } from './deployments';
import type { CanaryFunction } from './stack';
import type { Clients } from './target';

export interface Aborted {
  function: string;
  deploymentId: string;
  /** The version the alias is back on, all traffic; undefined when the wait ran out. */
  backOn?: string;
}

const POLL_MS = 2_000;

/**
 * Stops each function's running deployment with rollback (StopDeployment, autoRollbackEnabled), then waits
 * until its deployment has ended and its alias sends all traffic to the version it served before.
 */
export async function abort(clients: Clients, functions: CanaryFunction[], report: (line: string) => void, timeoutMs: number): Promise<Aborted[]> {
  const stopping = (
    await Promise.all(
      functions.map(async (fn) => {
        const running = await deploymentsOf(clients, fn, 10, UNFINISHED);
        return Promise.all(running.map(async (d) => ({ fn, deploymentId: d.deploymentId!, previous: (await targetOfDeployment(clients, fn, d.deploymentId!)).currentVersion })));
      }),
    )
  ).flat();
  for (const { fn, deploymentId } of stopping) {
    try {
      await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
      report(`${fn.logicalId}: stopping ${deploymentId} with rollback`);
    } catch (error) {
      if (!(error instanceof DeploymentAlreadyCompletedException)) throw error;
      report(`${fn.logicalId}: ${deploymentId} ended before it could be stopped`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    stopping.map(async ({ fn, deploymentId, previous }): Promise<Aborted> => {
      for (;;) {
        const [{ deploymentInfo }, alias] = await Promise.all([
          clients.codedeploy.send(new GetDeploymentCommand({ deploymentId })),
          clients.lambda.send(new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.alias })),
        ]);
        const routedBack = alias.FunctionVersion === previous && Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length === 0;
        if (routedBack && !(UNFINISHED as readonly string[]).includes(deploymentInfo?.status ?? '')) {
          report(`${fn.logicalId}: ${fn.alias} is back on version ${previous}, all traffic (${deploymentId} ${deploymentInfo?.status})`);
          return { function: fn.logicalId, deploymentId, backOn: previous };
        }
        if (Date.now() >= deadline) {
          report(`${fn.logicalId}: still not back on version ${previous} after ${timeoutMs / 1000} s; see status`);
          return { function: fn.logicalId, deploymentId };
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }),
  );
}
