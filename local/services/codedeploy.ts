import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { StageCredentials } from '../credentials';
import type { DeploymentTrigger, TrafficShift } from '../template/stage';
import { awsJsonServer, ServiceError } from './aws-json-protocol';

/**
 * The CodeDeploy operations the lifecycle hooks, the stopper and the judge call, and what an operator reads
 * (applications, deployment groups and configs, deployments and their targets), over real HTTP in
 * CodeDeploy's AWS JSON 1.1 protocol, so they run unchanged against AWS_ENDPOINT_URL_CODEDEPLOY.
 * Deployments are registered by whoever plays CodeDeploy locally, who tells it each traffic shift and is told
 * when one is stopped; every status a hook reports is recorded, once per execution id.
 */

export interface LambdaDeployment {
  deploymentId: string;
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
  targetVersionWeight: number;
  /** Its CodeDeploy application and deployment group, when it deploys through one. */
  application?: string;
  deploymentGroup?: string;
}

export type DeploymentStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';

export interface DeploymentRecord extends LambdaDeployment {
  status: DeploymentStatus;
  createTime: Date;
  completeTime?: Date;
  /** Why it failed or was stopped, as GetDeployment's errorInformation says it. */
  error?: { code: string; message: string };
}

/** CodeDeploy's deployment ids: "d-" and nine capitals or digits. */
const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

/** What a deployment's target says of it (CodeDeploy's TargetStatus), from the deployment's own status. */
const TARGET_STATUS: Record<DeploymentStatus, string> = { InProgress: 'InProgress', Succeeded: 'Succeeded', Failed: 'Failed', Stopped: 'Failed' };

/** A deployment group as SAM makes one for a function's DeploymentPreference. */
export interface DeploymentGroupSpec {
  application: string;
  name: string;
  deploymentConfigName: string;
  /** How its config shifts traffic. */
  trafficShift: TrafficShift;
  /** The names of its alarms. */
  alarms: string[];
  /** The SNS topics it tells of its deployments' events. */
  triggers: DeploymentTrigger[];
}

/** What a StopDeployment asked of one deployment. */
export type StopListener = (deploymentId: string) => void;

/** Ends the deployment's bake now, answering whether it was baking. */
export type PromoteListener = () => boolean;

export type HookStatus = 'Succeeded' | 'Failed';

export interface RecordedStatus {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  status: HookStatus;
  at: Date;
}

export class LocalCodeDeploy {
  constructor(private readonly groups: DeploymentGroupSpec[] = []) {}

  private readonly deployments = new Map<string, DeploymentRecord>();
  private readonly stopListeners = new Map<string, StopListener>();
  private readonly promoteListeners = new Map<string, PromoteListener>();
  private readonly executions = new Map<string, string>();
  readonly statuses: RecordedStatus[] = [];
  /** Answers the next N calls of an operation with ThrottlingException, as a busy service does. */
  readonly throttle = new Map<string, number>();
  /** Runs once before the next call of an operation: what happens meanwhile in a race, or an error it throws. */
  readonly beforeNext = new Map<string, () => void>();

  /**
   * Registers a deployment and answers the execution ids its PreTraffic and PostTraffic hooks get;
   * `ids` replays a recorded lifecycle event (a sample event's ids) instead of new ones.
   */
  createDeployment(
    target: Omit<LambdaDeployment, 'deploymentId'>,
    ids: { deploymentId: string; preTraffic: string; postTraffic: string } = {
      deploymentId: `d-${randomUUID().replace(/-/g, '').slice(0, 9).toUpperCase()}`,
      preTraffic: randomUUID(),
      postTraffic: randomUUID(),
    },
  ): { deploymentId: string; preTraffic: string; postTraffic: string } {
    const { deploymentId, preTraffic, postTraffic } = ids;
    this.deployments.set(deploymentId, { deploymentId, ...target, status: 'InProgress', createTime: new Date() });
    this.executions.set(preTraffic, deploymentId);
    this.executions.set(postTraffic, deploymentId);
    return { deploymentId, preTraffic, postTraffic };
  }

  /** Whoever plays the deployment hears of a StopDeployment of it here. */
  onStop(deploymentId: string, listener: StopListener): void {
    this.stopListeners.set(deploymentId, listener);
  }

  /**
   * Whoever plays the deployment ends its bake when an operator promotes it. Not an AWS call: a Lambda
   * deployment has none (ContinueDeployment serves blue/green waits only), so only the local stage's control
   * port reaches this.
   */
  onPromote(deploymentId: string, listener: PromoteListener): void {
    this.promoteListeners.set(deploymentId, listener);
  }

  /** Asks the deployment's player to end its bake now: 'promoted', or why not. */
  promote(deploymentId: string): 'promoted' | 'not-baking' | 'not-in-progress' {
    const deployment = this.deployments.get(deploymentId);
    if (deployment?.status !== 'InProgress') return 'not-in-progress';
    return this.promoteListeners.get(deploymentId)?.() ? 'promoted' : 'not-baking';
  }

  /** Its player has moved the alias: this share of traffic now goes to the target version. */
  shift(deploymentId: string, targetVersionWeight: number): void {
    this.deployment(deploymentId).targetVersionWeight = targetVersionWeight;
  }

  /** The deployment has ended as its player decided, and why when it did not succeed. */
  finish(deploymentId: string, status: Exclude<DeploymentStatus, 'InProgress'>, error?: { code: string; message: string }): void {
    const deployment = this.deployment(deploymentId);
    if (deployment.status === 'InProgress') Object.assign(deployment, { status, completeTime: new Date(), error });
    this.stopListeners.delete(deploymentId);
    this.promoteListeners.delete(deploymentId);
  }

  /** Every deployment registered, in the order they were created. */
  history(): ReadonlyArray<Readonly<DeploymentRecord>> {
    return [...this.deployments.values()];
  }

  statusOf(executionId: string): HookStatus | undefined {
    return this.statuses.find((s) => s.lifecycleEventHookExecutionId === executionId)?.status;
  }

  handle(operation: string, input: Record<string, string>): unknown {
    const before = this.beforeNext.get(operation);
    this.beforeNext.delete(operation);
    before?.();
    const pending = this.throttle.get(operation) ?? 0;
    if (pending > 0) {
      this.throttle.set(operation, pending - 1);
      throw new ServiceError('ThrottlingException', 'Rate exceeded');
    }
    switch (operation) {
      case 'ListDeploymentTargets':
        return { targetIds: [this.targetId(this.deployment(input.deploymentId))] };
      case 'GetDeploymentTarget':
        return { deploymentTarget: this.target(this.deployment(input.deploymentId), input.targetId) };
      case 'PutLifecycleEventHookExecutionStatus':
        return this.recordStatus(input);
      case 'ListDeployments':
        return this.list(input as { applicationName?: string; deploymentGroupName?: string; includeOnlyStatuses?: string[] });
      case 'GetDeployment':
        return { deploymentInfo: this.info(this.deployment(input.deploymentId)) };
      case 'BatchGetDeployments':
        return { deploymentsInfo: ((input as { deploymentIds?: string[] }).deploymentIds ?? []).map((id) => this.info(this.deployment(id))) };
      case 'ListApplications':
        return { applications: [...new Set(this.groups.map((g) => g.application))].sort() };
      case 'GetApplication':
        return { application: this.applicationInfo(input.applicationName) };
      case 'ListDeploymentGroups':
        this.applicationInfo(input.applicationName);
        return { applicationName: input.applicationName, deploymentGroups: this.groups.filter((g) => g.application === input.applicationName).map((g) => g.name) };
      case 'GetDeploymentGroup':
        return { deploymentGroupInfo: this.groupInfo(input.applicationName, input.deploymentGroupName) };
      case 'GetDeploymentConfig':
        return { deploymentConfigInfo: this.configInfo(input.deploymentConfigName) };
      case 'StopDeployment':
        return this.stop(this.deployment(input.deploymentId));
      default:
        throw new ServiceError('UnknownOperationException', `Operation ${operation} is not served locally`);
    }
  }

  private list({ applicationName, deploymentGroupName, includeOnlyStatuses }: { applicationName?: string; deploymentGroupName?: string; includeOnlyStatuses?: string[] }) {
    if (Boolean(applicationName) !== Boolean(deploymentGroupName)) {
      throw new ServiceError('InvalidInputException', 'applicationName and deploymentGroupName go together');
    }
    const deployments = [...this.deployments.values()].filter(
      (d) =>
        (!applicationName || (d.application === applicationName && d.deploymentGroup === deploymentGroupName)) &&
        (!includeOnlyStatuses || includeOnlyStatuses.includes(d.status)),
    );
    return { deployments: deployments.map((d) => d.deploymentId) };
  }

  private info(d: DeploymentRecord) {
    const group = this.groups.find((g) => g.application === d.application && g.name === d.deploymentGroup);
    return {
      deploymentId: d.deploymentId,
      applicationName: d.application,
      deploymentGroupName: d.deploymentGroup,
      deploymentConfigName: group?.deploymentConfigName,
      status: d.status,
      computePlatform: 'Lambda',
      // CloudFormation starts a stack's deployments: CodeDeploy's creator for them is "user".
      creator: 'user',
      // The AWS JSON protocols carry timestamps as epoch seconds.
      createTime: d.createTime.getTime() / 1000,
      startTime: d.createTime.getTime() / 1000,
      completeTime: d.completeTime && d.completeTime.getTime() / 1000,
      ...(d.error ? { errorInformation: d.error } : {}),
    };
  }

  private applicationInfo(name: string | undefined) {
    if (!name) throw new ServiceError('ApplicationNameRequiredException', 'The application name was not specified');
    if (!this.groups.some((g) => g.application === name)) throw new ServiceError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return { applicationName: name, computePlatform: 'Lambda', linkedToGitHub: false };
  }

  /** A config of a deployment group of the stage's: the stack's own, or one CodeDeploy predefines. */
  private configInfo(name: string | undefined) {
    if (!name) throw new ServiceError('DeploymentConfigNameRequiredException', 'The deployment config name was not specified');
    const shift = this.groups.find((g) => g.deploymentConfigName === name)?.trafficShift;
    if (!shift) throw new ServiceError('DeploymentConfigDoesNotExistException', `The deployment config ${name} does not exist`);
    const trafficRoutingConfig =
      shift.type === 'AllAtOnce'
        ? { type: 'AllAtOnce' }
        : shift.type === 'TimeBasedCanary'
          ? { type: shift.type, timeBasedCanary: { canaryPercentage: shift.percentage, canaryInterval: shift.intervalMinutes } }
          : { type: shift.type, timeBasedLinear: { linearPercentage: shift.percentage, linearInterval: shift.intervalMinutes } };
    return { deploymentConfigName: name, computePlatform: 'Lambda', trafficRoutingConfig };
  }

  /** As SAM configures a function's deployment group: traffic-shifted, rolled back on failure, alarm or stop. */
  private groupInfo(application: string | undefined, name: string | undefined) {
    if (!application) throw new ServiceError('ApplicationNameRequiredException', 'The application name was not specified');
    if (!name) throw new ServiceError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified');
    if (!this.groups.some((g) => g.application === application)) throw new ServiceError('ApplicationDoesNotExistException', `No application found for name: ${application}`);
    const group = this.groups.find((g) => g.application === application && g.name === name);
    if (!group) throw new ServiceError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
    return {
      applicationName: group.application,
      deploymentGroupName: group.name,
      deploymentConfigName: group.deploymentConfigName,
      computePlatform: 'Lambda',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      alarmConfiguration: { enabled: group.alarms.length > 0, ignorePollAlarmFailure: false, alarms: group.alarms.map((alarm) => ({ name: alarm })) },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      triggerConfigurations: group.triggers.map((t) => ({ triggerName: t.name, triggerTargetArn: t.topicArn, triggerEvents: t.events })),
    };
  }

  private stop(deployment: DeploymentRecord) {
    if (deployment.status !== 'InProgress') throw new ServiceError('DeploymentAlreadyCompletedException', `Deployment ${deployment.deploymentId} has already completed`);
    const listener = this.stopListeners.get(deployment.deploymentId);
    this.finish(deployment.deploymentId, 'Stopped', { code: 'MANUAL_STOP', message: 'The deployment was stopped by a StopDeployment request' });
    listener?.(deployment.deploymentId);
    return { status: 'Pending', statusMessage: 'Stopping the deployment and rolling it back' };
  }

  private deployment(deploymentId: string | undefined): DeploymentRecord {
    if (!deploymentId) throw new ServiceError('DeploymentIdRequiredException', 'deploymentId is required');
    if (!DEPLOYMENT_ID.test(deploymentId)) throw new ServiceError('InvalidDeploymentIdException', `${deploymentId} is not a valid deployment id`);
    const deployment = this.deployments.get(deploymentId);
    if (!deployment) throw new ServiceError('DeploymentDoesNotExistException', `Deployment ${deploymentId} does not exist`);
    return deployment;
  }

  private targetId = (d: LambdaDeployment) => `${d.functionName}:${d.alias}`;

  /** The hooks' lifecycle events as GetDeploymentTarget lists them, with what each hook reported. */
  private lifecycleEvents(deployment: LambdaDeployment) {
    const executions = [...this.executions.entries()].filter(([, id]) => id === deployment.deploymentId).map(([execution]) => execution);
    return ['BeforeAllowTraffic', 'AfterAllowTraffic'].map((lifecycleEventName, i) => {
      const reported = this.statuses.find((s) => s.lifecycleEventHookExecutionId === executions[i]);
      return { lifecycleEventName, status: reported?.status ?? 'Pending', ...(reported && { endTime: reported.at.getTime() / 1000 }) };
    });
  }

  private target(deployment: DeploymentRecord, targetId: string | undefined) {
    if (targetId !== this.targetId(deployment)) throw new ServiceError('DeploymentTargetDoesNotExistException', `Target ${targetId} does not exist`);
    return {
      deploymentTargetType: 'LambdaTarget',
      lambdaTarget: {
        deploymentId: deployment.deploymentId,
        targetId,
        status: TARGET_STATUS[deployment.status],
        lifecycleEvents: this.lifecycleEvents(deployment),
        lambdaFunctionInfo: {
          functionName: deployment.functionName,
          functionAlias: deployment.alias,
          currentVersion: deployment.currentVersion,
          targetVersion: deployment.targetVersion,
          targetVersionWeight: deployment.targetVersionWeight,
        },
      },
    };
  }

  private recordStatus(input: Record<string, string>) {
    const { deploymentId, lifecycleEventHookExecutionId, status } = input;
    this.deployment(deploymentId);
    if (this.executions.get(lifecycleEventHookExecutionId ?? '') !== deploymentId) {
      throw new ServiceError('InvalidLifecycleEventHookExecutionIdException', `No hook execution ${lifecycleEventHookExecutionId} in ${deploymentId}`);
    }
    if (status !== 'Succeeded' && status !== 'Failed') throw new ServiceError('InvalidLifecycleEventHookExecutionStatusException', `Status ${status} is not valid`);
    if (this.statusOf(lifecycleEventHookExecutionId!)) {
      throw new ServiceError('LifecycleEventAlreadyCompletedException', `Hook execution ${lifecycleEventHookExecutionId} already has a status`);
    }
    this.statuses.push({ deploymentId: deploymentId!, lifecycleEventHookExecutionId: lifecycleEventHookExecutionId!, status, at: new Date() });
    return { lifecycleEventHookExecutionId };
  }
}

export function createCodeDeployServer(codedeploy: LocalCodeDeploy, credentials: StageCredentials): Server {
  return awsJsonServer(
    {
      contentType: 'application/x-amz-json-1.1',
      targetPrefix: 'CodeDeploy_20141006.',
      handle: (operation, input) => codedeploy.handle(operation, input as Record<string, string>),
    },
    credentials,
  );
}
