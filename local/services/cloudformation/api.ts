import type { Server } from 'node:http';
import type { StageCredentials } from '../../credentials';
import { awsQueryServer, QueryError } from '../aws-query-protocol';
import type { LocalCloudFormation, StackResourceState } from './stack';

/**
 * CloudFormation's reads of a stack over real HTTP, in its Query protocol, so that an SDK client, the AWS CLI or
 * boto3 given AWS_ENDPOINT_URL_CLOUDFORMATION finds the stage's resources as it finds a deployed stack's:
 * DescribeStacks, ListStackResources, DescribeStackResources and DescribeStackResource, in the shapes of the API
 * reference (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/).
 */

/**
 * AWS documents only that a ListStackResources page ends at 1 MB; users meet pages of 100 summaries
 * (aws/aws-sam-cli#4909, jeremydaly/serverless-cloudside-plugin#18), as here, where a page is some 30 KB.
 */
const RESOURCES_PER_PAGE = 100;
/** "Only the first 100 resources will be returned" (DescribeStackResources, API reference). */
const DESCRIBED_RESOURCES = 100;

/** A required member the request leaves out: CloudFormation's ValidationError, in the local stage's words. */
function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) throw new QueryError('ValidationError', `${name} is required`);
  return value;
}

const drift = { StackResourceDriftStatus: 'NOT_CHECKED' };

function describeStacks(cfn: LocalCloudFormation, params: URLSearchParams) {
  const asked = params.get('StackName');
  if (asked) cfn.checkStackName(asked);
  const { stack } = cfn.model;
  const { status, lastUpdatedAt } = cfn.state();
  return {
    Stacks: [
      {
        StackId: cfn.stackId,
        StackName: stack.name,
        Description: stack.description,
        Parameters: stack.parameters.map(({ key, value }) => ({ ParameterKey: key, ParameterValue: value })),
        CreationTime: cfn.createdAt,
        LastUpdatedTime: lastUpdatedAt,
        StackStatus: status,
        DisableRollback: false,
        Outputs: stack.outputs.map((o) => ({ OutputKey: o.key, OutputValue: o.value, Description: o.description, ExportName: o.exportName })),
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
      },
    ],
  };
}

const summary = (r: StackResourceState) => ({
  LogicalResourceId: r.logicalId,
  PhysicalResourceId: r.physicalId,
  ResourceType: r.type,
  LastUpdatedTimestamp: r.updatedAt,
  ResourceStatus: r.status,
  DriftInformation: drift,
});

/** A page of the stack's resources; the token is the logical id the next page starts at. */
function listStackResources(cfn: LocalCloudFormation, params: URLSearchParams) {
  cfn.checkStackName(required(params, 'StackName'));
  const from = params.get('NextToken') ?? '';
  const rest = cfn.resources().filter((r) => r.logicalId >= from);
  const next = rest[RESOURCES_PER_PAGE]?.logicalId;
  return { StackResourceSummaries: rest.slice(0, RESOURCES_PER_PAGE).map(summary), NextToken: next };
}

const described = (cfn: LocalCloudFormation, r: StackResourceState) => ({
  StackName: cfn.name,
  StackId: cfn.stackId,
  LogicalResourceId: r.logicalId,
  PhysicalResourceId: r.physicalId,
  ResourceType: r.type,
  ResourceStatus: r.status,
  DriftInformation: drift,
});

/** The stack's resources, by the stack's name or one resource's physical id (not both, the API reference says), perhaps only one. */
function describeStackResources(cfn: LocalCloudFormation, params: URLSearchParams) {
  const [stackName, physicalId, logicalId] = ['StackName', 'PhysicalResourceId', 'LogicalResourceId'].map((name) => params.get(name));
  if (Boolean(stackName) === Boolean(physicalId)) throw new QueryError('ValidationError', 'Give either StackName or PhysicalResourceId, not both');
  const resources = cfn.resources();
  if (stackName) cfn.checkStackName(stackName);
  else if (!resources.some((r) => r.physicalId === physicalId)) throw new QueryError('ValidationError', `Stack for ${physicalId} does not exist`);
  return {
    StackResources: resources
      .filter((r) => !logicalId || r.logicalId === logicalId)
      .slice(0, DESCRIBED_RESOURCES)
      .map((r) => ({ ...described(cfn, r), Timestamp: r.updatedAt })),
  };
}

function describeStackResource(cfn: LocalCloudFormation, params: URLSearchParams) {
  const stackName = required(params, 'StackName');
  const logicalId = required(params, 'LogicalResourceId');
  cfn.checkStackName(stackName);
  const resource = cfn.resources().find((r) => r.logicalId === logicalId);
  // CloudFormation's words (as reported in aws-samples/amazon-rekognition-video-analyzer#23).
  if (!resource) throw new QueryError('ValidationError', `Resource ${logicalId} does not exist for stack ${stackName}`);
  return { StackResourceDetail: { ...described(cfn, resource), LastUpdatedTimestamp: resource.updatedAt } };
}

const ACTIONS = new Map<string, (cfn: LocalCloudFormation, params: URLSearchParams) => unknown>([
  ['DescribeStacks', describeStacks],
  ['ListStackResources', listStackResources],
  ['DescribeStackResources', describeStackResources],
  ['DescribeStackResource', describeStackResource],
]);

export function createCloudFormationServer(cfn: LocalCloudFormation, credentials: StageCredentials): Server {
  return awsQueryServer(
    {
      xmlns: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
      handle(action, params) {
        const served = ACTIONS.get(action);
        // InvalidAction: "The action or operation requested is invalid" (Common Errors, CloudFormation API reference).
        if (!served) throw new QueryError('InvalidAction', `The local CloudFormation serves ${[...ACTIONS.keys()].join(', ')}, not ${action}`);
        return served(cfn, params);
      },
    },
    credentials,
  );
}
