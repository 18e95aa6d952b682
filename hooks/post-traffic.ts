import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { requiredEnv } from '../functions/config';
import { type BakeClients, finalBake } from './final-bake';
import { journeyFailure, journeyPasses } from './journey';
import { type Decide, lifecycleHook, logger } from './lifecycle';

/**
 * PostTraffic: once the new version serves all traffic, run the Company journey (an Express state
 * machine) through the live API, in as many passes as catching a version that fails a fifth of its
 * requests takes (hooks/journey.ts); any outcome but SUCCEEDED rolls the deployment back. After a passing
 * journey, the final bake (hooks/final-bake.ts) holds the deployment open for FINAL_BAKE_SECONDS while the
 * alarms, the stopper and the judge keep watching the version at 100 %.
 */

// StartSyncExecution's endpoint carries a `sync-` host prefix, which a local endpoint such as 127.0.0.1
// cannot take; the prefix stays on wherever the SDK picks AWS's own endpoint.
const sfn = new SFNClient({ disableHostPrefix: Boolean(process.env.AWS_ENDPOINT_URL_SFN) });

export const runJourney: Decide = async (target, signal) => {
  const passes = journeyPasses();
  const execution = await sfn.send(
    new StartSyncExecutionCommand({
      stateMachineArn: requiredEnv('JOURNEY_STATE_MACHINE_ARN'),
      input: JSON.stringify({ functionName: target.functionName, targetVersion: target.targetVersion, passes }),
    }),
    { abortSignal: signal },
  );
  const evidence = {
    executionArn: execution.executionArn,
    status: execution.status,
    passes: passes.length,
    ...journeyFailure(execution.error, execution.cause),
    error: execution.error,
    cause: execution.cause,
  };
  return { status: execution.status === 'SUCCEEDED' ? 'Succeeded' : 'Failed', evidence };
};

/** The journey, then the final bake: the bake's verdict, with the journey's evidence beside it. */
export const journeyThenBake =
  (clients: BakeClients, bakeMs: () => number): Decide =>
  async (target, signal) => {
    const journey = await runJourney(target, signal);
    const ms = bakeMs();
    if (journey.status !== 'Succeeded' || ms === 0) return journey;
    // One line as the bake begins: whoever reads the log (an operator, the local rehearsal) sees the phase change.
    logger.info('final bake started', { deploymentId: target.deploymentId, functionName: target.functionName, targetVersion: target.targetVersion, bakeMs: ms });
    const baked = await finalBake(clients, target.deploymentId, ms, signal);
    return { status: baked.status, evidence: { ...journey.evidence, ...baked.evidence } };
  };

function finalBakeMs(): number {
  const seconds = Number(requiredEnv('FINAL_BAKE_SECONDS'));
  if (!(seconds >= 0)) throw new Error(`FINAL_BAKE_SECONDS must be a number of seconds, not ${process.env.FINAL_BAKE_SECONDS}`);
  return seconds * 1000;
}

const codedeploy = new CodeDeployClient({});
export const handler = lifecycleHook('PostTraffic', journeyThenBake({ codedeploy, cloudwatch: new CloudWatchClient({}) }, finalBakeMs), codedeploy);
