import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/cloudformation';
import { samLogicalId, type StackResourceSpec } from '../../template/stack-resources';
import { functionArn, type StageModel } from '../../template/stage';
import { QueryError } from '../aws-query-protocol';
import type { DeploymentRecord, LocalCodeDeploy } from '../codedeploy';
import type { LocalLambda } from '../lambda/local-lambda';

/**
 * The stack the local stage plays, as CloudFormation holds it: created when the stage started, updated by each
 * rehearsed `sam deploy`. The template gives its resources (template/stack-resources.ts); the local Lambda
 * gives the versions its aliases serve, and the local CodeDeploy how its updates went.
 */
export interface StackResourceState extends StackResourceSpec {
  /** A ResourceStatus, of https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResource.html. */
  status: string;
  updatedAt: Date;
}

export interface StackState {
  /** A StackStatus, of https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html. */
  status: string;
  /** When its last update began; none until it has been updated. */
  lastUpdatedAt?: Date;
}

const ended = (d: Readonly<DeploymentRecord>) => d.status !== 'InProgress';

/**
 * The deployments of the last stack update. One `sam deploy` starts the deployments of the functions it changes
 * together, and one that fails fails the update, which CloudFormation rolls back (local/deploy/stack-update.ts
 * gives AWS's account of it); so an update is a run of deployments each begun before the earlier ones had all ended.
 */
function lastUpdate(history: ReadonlyArray<Readonly<DeploymentRecord>>): ReadonlyArray<Readonly<DeploymentRecord>> {
  let update: Array<Readonly<DeploymentRecord>> = [];
  let endsAt = -Infinity;
  for (const deployment of history) {
    if (deployment.createTime.getTime() > endsAt) [update, endsAt] = [[], -Infinity];
    update.push(deployment);
    endsAt = Math.max(endsAt, deployment.completeTime?.getTime() ?? Infinity);
  }
  return update;
}

export class LocalCloudFormation {
  readonly createdAt = new Date();
  /** A stack's id is its ARN, new for each stack created: a new stage is a new stack. */
  readonly stackId: string;
  readonly name: string;

  constructor(
    readonly model: StageModel,
    private readonly lambda: LocalLambda,
    private readonly codedeploy: LocalCodeDeploy,
  ) {
    this.name = model.stack.name;
    this.stackId = `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${this.name}/${randomUUID()}`;
  }

  /** Throws unless a StackName names this stack, by its name or its id, as CloudFormation takes either for a running stack. */
  checkStackName(stackName: string): void {
    // CloudFormation's own words for a stack it does not have (boto/boto3#2807; cloudquery/cq-provider-aws#824 for ListStackResources).
    if (stackName !== this.name && stackName !== this.stackId) throw new QueryError('ValidationError', `Stack with id ${stackName} does not exist`);
  }

  state(): StackState {
    const update = lastUpdate(this.codedeploy.history());
    if (update.length === 0) return { status: 'CREATE_COMPLETE' };
    const failed = update.some((d) => d.status === 'Failed' || d.status === 'Stopped');
    const status = update.every(ended) ? 'COMPLETE' : 'IN_PROGRESS';
    return { status: failed ? `UPDATE_ROLLBACK_${status}` : `UPDATE_${status}`, lastUpdatedAt: update[0]!.createTime };
  }

  /** Every resource, in logical id order, so that a page ends at the same place however often it is read. */
  resources(): StackResourceState[] {
    const history = this.codedeploy.history();
    const created = { status: 'CREATE_COMPLETE', updatedAt: this.createdAt };
    const resources = this.model.stack.resources.map((resource): StackResourceState => {
      if (resource.type !== 'AWS::Lambda::Alias') return { ...resource, ...created };
      // CloudFormation updates an alias through its CodeDeploy deployment.
      const last = history.filter((d) => functionArn(d.functionName, d.alias) === resource.physicalId).at(-1);
      if (!last) return { ...resource, ...created };
      const update = ended(last) ? { status: 'UPDATE_COMPLETE', updatedAt: last.completeTime! } : { status: 'UPDATE_IN_PROGRESS', updatedAt: last.createTime };
      return { ...resource, ...update };
    });
    return [...resources, ...this.versions()].sort((a, b) => (a.logicalId < b.logicalId ? -1 : a.logicalId > b.logicalId ? 1 : 0));
  }

  /**
   * The versions SAM publishes for each AutoPublishAlias: the one its alias serves, and while a deployment shifts
   * traffic, the one it shifts to (CloudFormation has created the new version before CodeDeploy moves the alias).
   * SAM names a version after a hash of its code's location, the local stage after a hash of its ARN: either way a
   * new version has a new logical id. Ref of a version, its physical id, is its ARN.
   */
  private versions(): StackResourceState[] {
    return this.model.functions
      .filter((fn) => fn.alias)
      .flatMap((fn) => {
        const routing = this.lambda.getAlias(fn.functionName, fn.alias!);
        return [routing.functionVersion, ...Object.keys(routing.additionalVersionWeights)].map((version) => {
          const physicalId = functionArn(fn.functionName, version);
          const { publishedAt } = this.lambda.describe(fn.functionName, version);
          const logicalId = samLogicalId(`${fn.logicalId}Version`, physicalId);
          return { logicalId, type: 'AWS::Lambda::Version', physicalId, status: 'CREATE_COMPLETE', updatedAt: publishedAt };
        });
      });
  }
}
