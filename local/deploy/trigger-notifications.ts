import type { DeploymentRecord, DeploymentStatus } from '../services/codedeploy';
import type { LocalSns } from '../services/sns';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/cloudformation';
import type { DeploymentTrigger } from '../template/stage';

/**
 * What CodeDeploy publishes to a trigger's SNS topic when a deployment event it names happens: the JSON of
 * "Sample JSON Output for Deployment-Based Triggers" in the CodeDeploy User Guide
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-sns-event-notifications-json-format.html):
 * times in epoch seconds as strings, errorInformation with ErrorCode and ErrorMessage. The guide documents no
 * Subject, so none is sent; nor deploymentOverview for Lambda, whose sample counts instances, so it is left out.
 * DeploymentRollback is not published: the guide says neither when it comes nor what it carries for Lambda.
 */
const EVENT_OF: Record<DeploymentStatus, string> = {
  InProgress: 'DeploymentStart',
  Succeeded: 'DeploymentSuccess',
  Failed: 'DeploymentFailure',
  Stopped: 'DeploymentStop',
};

const epochSeconds = (date: Date) => (date.getTime() / 1000).toFixed(3);

export function triggerMessage(trigger: DeploymentTrigger, d: DeploymentRecord): string {
  return JSON.stringify({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    eventTriggerName: trigger.name,
    applicationName: d.application,
    deploymentId: d.deploymentId,
    deploymentGroupName: d.deploymentGroup,
    createTime: epochSeconds(d.createTime),
    completeTime: d.completeTime && epochSeconds(d.completeTime),
    status: d.status,
    errorInformation: d.error && { ErrorCode: d.error.code, ErrorMessage: d.error.message },
  });
}

/** Tells each trigger that names the event of the deployment's status now (started, or how it ended). */
export function notifyTriggers(sns: LocalSns, triggers: DeploymentTrigger[], deployment: DeploymentRecord): void {
  for (const trigger of triggers.filter((t) => t.events.includes(EVENT_OF[deployment.status]))) {
    sns.publish(trigger.topicArn, triggerMessage(trigger, deployment));
  }
}
