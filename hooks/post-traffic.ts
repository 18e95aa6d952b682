import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { requiredEnv } from '../functions/config';
import { type Decide, lifecycleHook } from './lifecycle';

/**
 * PostTraffic: once the new version serves all traffic, run the Company journey (an Express state
 * machine) through the live API; any outcome but SUCCEEDED rolls the deployment back.
 */

// StartSyncExecution's endpoint carries a `sync-` host prefix, which a local endpoint such as 127.0.0.1
// cannot take; the prefix stays on wherever the SDK picks AWS's own endpoint.
const sfn = new SFNClient({ disableHostPrefix: Boolean(process.env.AWS_ENDPOINT_URL_SFN) });

export const runJourney: Decide = async (target, signal) => {
  const execution = await sfn.send(
    new StartSyncExecutionCommand({
      stateMachineArn: requiredEnv('JOURNEY_STATE_MACHINE_ARN'),
      input: JSON.stringify({ functionName: target.functionName, targetVersion: target.targetVersion }),
    }),
    { abortSignal: signal },
  );
  const evidence = { executionArn: execution.executionArn, status: execution.status, error: execution.error, cause: execution.cause };
  return { status: execution.status === 'SUCCEEDED' ? 'Succeeded' : 'Failed', evidence };
};

export const handler = lifecycleHook('PostTraffic', runJourney);
