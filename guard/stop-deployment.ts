import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  type DeploymentStatus,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { requiredEnv } from '../functions/config';
import { logger } from './logger';

/**
 * The immediate stop: EventBridge delivers a deployment alarm's change to ALARM, and this stops whatever
 * deployment of that alarm's deployment group is still going, with rollback (SAM's deployment groups roll
 * back on DEPLOYMENT_STOP_ON_REQUEST), without waiting for CodeDeploy's own alarm check. One log line per
 * decision; it never throws, so EventBridge never retries it, and it never loops.
 */
/** Every status in which a deployment can still shift traffic. */
const UNFINISHED: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready'];

interface AlarmStateChange {
  detail?: { alarmName?: unknown; state?: { value?: unknown } };
}

const describe = (error: unknown) => (error instanceof Error ? { error: error.name, cause: error.message } : { error: String(error) });

export function deploymentStopper(codedeploy: CodeDeployClient, application: () => string, groupByAlarm: () => Record<string, string>) {
  return async (event: AlarmStateChange): Promise<void> => {
    const alarm = typeof event?.detail?.alarmName === 'string' ? event.detail.alarmName : undefined;
    const state = event?.detail?.state?.value;
    if (!alarm || state !== 'ALARM') return void logger.warn('not an alarm going into ALARM: nothing to stop', { alarm, state });
    const deploymentGroup = groupByAlarm()[alarm];
    if (!deploymentGroup) return void logger.error('alarm of no deployment group: nothing stopped', { alarm });
    let deployments: string[];
    try {
      const listed = await codedeploy.send(
        new ListDeploymentsCommand({ applicationName: application(), deploymentGroupName: deploymentGroup, includeOnlyStatuses: UNFINISHED }),
      );
      deployments = listed.deployments ?? [];
    } catch (error) {
      return void logger.error('could not list deployments: nothing stopped', { alarm, deploymentGroup, ...describe(error) });
    }
    if (deployments.length === 0) return void logger.info('no deployment in progress: nothing to stop', { alarm, deploymentGroup });
    for (const deploymentId of deployments) {
      try {
        const stopped = await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
        logger.info('deployment stopped, rolling back', { alarm, deploymentGroup, deploymentId, status: stopped.status, statusMessage: stopped.statusMessage });
      } catch (error) {
        if (error instanceof DeploymentAlreadyCompletedException) logger.info('deployment had already ended', { alarm, deploymentGroup, deploymentId });
        else logger.error('could not stop the deployment', { alarm, deploymentGroup, deploymentId, ...describe(error) });
      }
    }
  };
}

export const handler = deploymentStopper(
  new CodeDeployClient({}),
  () => requiredEnv('CODEDEPLOY_APPLICATION'),
  () => JSON.parse(requiredEnv('DEPLOYMENT_GROUP_BY_ALARM')) as Record<string, string>,
);
