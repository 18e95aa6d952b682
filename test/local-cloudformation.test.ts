import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  paginateListStackResources,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, GetApplicationCommand, GetDeploymentConfigCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStateMachines } from '../local/services/stepfunctions/state-machines';
import { LOCAL_REGION, resolve, ROOT, type Template } from '../local/template/cloudformation';
import { deployedStackName } from '../local/template/samconfig';
import { functionArn } from '../local/template/stage';
import { awsCli, boto3, describeWithTool, run } from './support/aws-cli';
import { functionNamed } from './support/hook-runs';
import { startTestStage } from './support/local-parts';
import { signedAwsJsonClient } from './support/signed-aws-json';

/**
 * The stack the local stage plays, read as an operator tool reads a deployed one, through CloudFormation's Query
 * protocol: the stack by its name (samconfig.toml's) or id, its resources after the SAM transform under SAM's own
 * logical ids, each physical id one the stage's own services answer for, and how its updates went. Through the
 * project's SDK, the real AWS CLI and boto3, and against the real SAM transform.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
let client: CloudFormationClient;
const stackName = deployedStackName();
const config = () => ({ region: LOCAL_REGION, credentials: stage.credentials, maxAttempts: 1 });

beforeAll(async () => {
  stage = await startTestStage('cloudformation');
  client = new CloudFormationClient({ ...config(), endpoint: stage.endpoints.AWS_ENDPOINT_URL_CLOUDFORMATION });
});
afterAll(async () => {
  client.destroy();
  await stage.stop();
});

async function listAll(): Promise<StackResourceSummary[]> {
  const summaries: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client }, { StackName: stackName })) summaries.push(...(page.StackResourceSummaries ?? []));
  return summaries;
}

const physicalIds = (summaries: StackResourceSummary[], type: string) => summaries.filter((r) => r.ResourceType === type).map((r) => r.PhysicalResourceId!);

describe('the stack name', () => {
  it("is samconfig.toml's stack_name for sam deploy: its deploy section's, else its global one's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'samconfig-'));
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    expect(stackName).toBe('company-canary');
    const global = '[default.global.parameters]\nstack_name = "global-one"\n';
    const deploy = '[default.deploy.parameters]\nstack_name = "deploy-one" # wins\n';
    expect(deployedStackName(file('both.toml', `version = 0.1\n${global}\n${deploy}`))).toBe('deploy-one');
    expect(deployedStackName(file('global.toml', `${global}[prod.deploy.parameters]\nstack_name = "prod-one"\n`))).toBe('global-one');
    expect(() => deployedStackName(file('none.toml', '[prod.deploy.parameters]\nstack_name = "prod-one"\n'))).toThrow(/no stack_name/);
  });
});

describe('the SDK', () => {
  it('describes the stack by its name and by its id: created, with its parameters and outputs', async () => {
    const [stack] = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks!;
    expect(stack).toMatchObject({ StackName: stackName, StackStatus: 'CREATE_COMPLETE', DisableRollback: false });
    expect(stack!.StackId).toMatch(new RegExp(`^arn:aws:cloudformation:${LOCAL_REGION}:\\d{12}:stack/${stackName}/[0-9a-f-]{36}$`));
    expect(stack!.CreationTime!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(stack!.LastUpdatedTime).toBeUndefined();
    expect(stack!.Parameters).toContainEqual({ ParameterKey: 'StageName', ParameterValue: 'v1' });
    expect(stack!.Parameters).toHaveLength(stage.model.stack.parameters.length);
    const outputs = Object.fromEntries(stack!.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs.GetCompanyFunctionAlias).toBe(functionArn(functionNamed(stage, 'GetCompanyFunction').functionName, 'live'));
    expect(outputs.CompanyTableName).toBe(stage.tableName);
    expect(outputs.JourneyStateMachineArn).toBe(loadStateMachines().machines[0]!.arn);

    expect((await client.send(new DescribeStacksCommand({ StackName: stack!.StackId }))).Stacks).toEqual([stack]);
    expect((await client.send(new DescribeStacksCommand({}))).Stacks).toEqual([stack]);
  });

  it('answers a stack it does not play with ValidationError, in CloudFormation words, its XML escaped', async () => {
    const missing = { name: 'ValidationError', message: 'Stack with id no-such-stack does not exist', $metadata: { httpStatusCode: 400 } };
    await expect(client.send(new DescribeStacksCommand({ StackName: 'no-such-stack' }))).rejects.toMatchObject(missing);
    await expect(client.send(new ListStackResourcesCommand({ StackName: 'no-such-stack' }))).rejects.toMatchObject(missing);
    // A stack id of another stack of the same name is another stack.
    const otherId = `arn:aws:cloudformation:${LOCAL_REGION}:000000000000:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
    await expect(client.send(new DescribeStacksCommand({ StackName: otherId }))).rejects.toMatchObject({ message: `Stack with id ${otherId} does not exist` });
    // Markup in a name comes back as sent, and a character XML cannot carry as U+FFFD.
    await expect(client.send(new DescribeStacksCommand({ StackName: `a<b>&"c'\u0001` }))).rejects.toMatchObject({
      message: `Stack with id a<b>&"c'\uFFFD does not exist`,
    });
  });

  it("lists the resources SAM makes of template.yaml, each physical id one the stage's own services answer for", async () => {
    expect.hasAssertions();
    const summaries = await listAll();
    expect(summaries.every((r) => r.ResourceStatus === 'CREATE_COMPLETE' && r.LastUpdatedTimestamp instanceof Date)).toBe(true);
    const ids = (type: string) => physicalIds(summaries, type);
    const lambda = new LambdaClient({ ...config(), endpoint: stage.endpoints.AWS_ENDPOINT_URL_LAMBDA });
    const codedeploy = new CodeDeployClient({ ...config(), endpoint: stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY });
    const cloudwatch = new CloudWatchClient({ ...config(), endpoint: stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH });
    const secrets = new SecretsManagerClient({ ...config(), endpoint: stage.endpoints.AWS_ENDPOINT_URL_SECRETS_MANAGER });
    const logs = signedAwsJsonClient(stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS!, stage.credentials, 'logs', 'Logs_20140328');
    try {
      const checked: Record<string, () => Promise<void>> = {
        'AWS::Lambda::Function': async () => {
          expect(ids('AWS::Lambda::Function')).toHaveLength(10);
          for (const name of ids('AWS::Lambda::Function')) {
            expect((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration!.FunctionName).toBe(name);
          }
        },
        'AWS::Lambda::Alias': async () => {
          for (const arn of ids('AWS::Lambda::Alias')) {
            const [, name, alias] = /:function:([^:]+):([^:]+)$/.exec(arn)!;
            expect((await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }))).AliasArn).toBe(arn);
          }
        },
        'AWS::Lambda::Version': async () => {
          expect(ids('AWS::Lambda::Version')).toHaveLength(5);
          for (const arn of ids('AWS::Lambda::Version')) {
            expect((await lambda.send(new GetFunctionCommand({ FunctionName: arn }))).Configuration!.FunctionArn).toBe(arn);
          }
        },
        'AWS::CodeDeploy::Application': async () => {
          for (const applicationName of ids('AWS::CodeDeploy::Application')) {
            expect((await codedeploy.send(new GetApplicationCommand({ applicationName }))).application!.applicationName).toBe(applicationName);
          }
        },
        'AWS::CodeDeploy::DeploymentGroup': async () => {
          const [applicationName] = ids('AWS::CodeDeploy::Application');
          expect(ids('AWS::CodeDeploy::DeploymentGroup')).toHaveLength(5);
          for (const deploymentGroupName of ids('AWS::CodeDeploy::DeploymentGroup')) {
            const { deploymentGroupInfo } = await codedeploy.send(new GetDeploymentGroupCommand({ applicationName, deploymentGroupName }));
            expect(deploymentGroupInfo!.deploymentGroupName).toBe(deploymentGroupName);
          }
        },
        'AWS::CodeDeploy::DeploymentConfig': async () => {
          for (const deploymentConfigName of ids('AWS::CodeDeploy::DeploymentConfig')) {
            const { deploymentConfigInfo } = await codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName }));
            expect(deploymentConfigInfo!.deploymentConfigName).toBe(deploymentConfigName);
          }
        },
        'AWS::CloudWatch::Alarm': async () => {
          const names = ids('AWS::CloudWatch::Alarm');
          expect(names).toHaveLength(25);
          const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
          expect(MetricAlarms.map((a) => a.AlarmName).sort()).toEqual([...names].sort());
        },
        'AWS::Logs::LogGroup': async () => {
          const { body } = await logs('DescribeLogGroups', {});
          expect(body.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(expect.arrayContaining(ids('AWS::Logs::LogGroup')));
        },
        'AWS::Logs::SubscriptionFilter': async () => {
          const filters: string[] = [];
          for (const logGroupName of ids('AWS::Logs::LogGroup')) {
            const { body } = await logs('DescribeSubscriptionFilters', { logGroupName });
            filters.push(...body.subscriptionFilters.map((f: { filterName: string }) => f.filterName));
          }
          expect(filters.sort()).toEqual(ids('AWS::Logs::SubscriptionFilter').sort());
        },
        'AWS::SecretsManager::Secret': async () => {
          for (const arn of ids('AWS::SecretsManager::Secret')) expect((await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).ARN).toBe(arn);
        },
        'AWS::Events::Rule': async () => {
          expect(ids('AWS::Events::Rule').sort()).toEqual(stage.eventbridge.rules.map((rule) => rule.name).sort());
        },
        'AWS::StepFunctions::StateMachine': async () => {
          expect(ids('AWS::StepFunctions::StateMachine')).toEqual(loadStateMachines().machines.map((machine) => machine.arn));
        },
        // The API id the local Step Functions reaches the local API by, and the stage it serves.
        'AWS::ApiGateway::RestApi': async () => {
          expect(ids('AWS::ApiGateway::RestApi').map((id) => `${id}.execute-api.${LOCAL_REGION}.amazonaws.com`)).toEqual([loadStateMachines().api.host]);
        },
        'AWS::ApiGateway::Stage': async () => {
          expect(ids('AWS::ApiGateway::Stage')).toEqual([stage.model.stageName]);
        },
      };
      // Resources no local service holds: named as the stage names the template's own resources.
      for (const type of ['AWS::IAM::Role', 'AWS::IAM::RolePolicy', 'AWS::Lambda::Permission', 'AWS::ApiGateway::Deployment']) {
        checked[type] = async () => {
          const named = summaries.filter((r) => r.ResourceType === type);
          expect(named.length).toBeGreaterThan(0);
          for (const r of named) expect(r.PhysicalResourceId).toBe(`local-${r.LogicalResourceId}`);
        };
      }
      // A new resource type fails here until its physical id is checked against the service that holds it.
      expect([...new Set(summaries.map((r) => r.ResourceType!))].sort()).toEqual(Object.keys(checked).sort());
      for (const check of Object.values(checked)) await check();
    } finally {
      for (const sdk of [lambda, codedeploy, cloudwatch, secrets]) sdk.destroy();
    }
  }, 30_000);

  it('describes the resources by the stack or by one physical id, and one resource by its logical id', async () => {
    const all = (await client.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources!;
    expect(all.length).toBe(Math.min(100, (await listAll()).length));
    const fn = functionNamed(stage, 'GetCompanyFunction');
    const alias = 'GetCompanyFunctionAliaslive';
    const { StackResources } = await client.send(new DescribeStackResourcesCommand({ PhysicalResourceId: fn.functionName, LogicalResourceId: alias }));
    const aliasArn = functionArn(fn.functionName, 'live');
    expect(StackResources).toEqual([expect.objectContaining({ StackName: stackName, LogicalResourceId: alias, PhysicalResourceId: aliasArn })]);
    await expect(client.send(new DescribeStackResourcesCommand({ StackName: stackName, PhysicalResourceId: fn.functionName }))).rejects.toMatchObject({
      name: 'ValidationError',
    });

    const application = new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'ServerlessDeploymentApplication' });
    const { StackResourceDetail } = await client.send(application);
    expect(StackResourceDetail).toMatchObject({
      ResourceType: 'AWS::CodeDeploy::Application',
      ResourceStatus: 'CREATE_COMPLETE',
      LastUpdatedTimestamp: expect.any(Date),
    });
    await expect(client.send(new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'NoSuchResource' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Resource NoSuchResource does not exist for stack ${stackName}`,
    });
  });

  it('during a deployment lists the version it shifts to as well, over two pages, and follows the update to its end', async () => {
    const fn = functionNamed(stage, 'GetCompanyFunction');
    const before = await listAll();
    const v2 = stage.lambda.publishVersion(fn.functionName, fn.bundleDir);
    stage.lambda.updateAlias(fn.functionName, 'live', { functionVersion: '1', additionalVersionWeights: { [v2]: 0.1 } });
    const deploy = (currentVersion: string) =>
      stage.codedeploy.createDeployment({ functionName: fn.functionName, alias: 'live', currentVersion, targetVersion: v2, targetVersionWeight: 0 });
    const deployment = deploy('1');

    const first = await client.send(new ListStackResourcesCommand({ StackName: stackName }));
    expect(first.StackResourceSummaries).toHaveLength(100);
    expect(first.NextToken).toBeDefined();
    const second = await client.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    const during = [...first.StackResourceSummaries!, ...second.StackResourceSummaries!];
    expect(during).toHaveLength(before.length + 1);
    const versions = during.filter((r) => r.LogicalResourceId!.startsWith('GetCompanyFunctionVersion'));
    expect(versions.map((r) => r.PhysicalResourceId)).toEqual(expect.arrayContaining([functionArn(fn.functionName, '1'), functionArn(fn.functionName, v2)]));
    expect(new Set(versions.map((r) => r.LogicalResourceId)).size).toBe(2);
    const alias = async () =>
      (await client.send(new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'GetCompanyFunctionAliaslive' }))).StackResourceDetail!;
    expect((await alias()).ResourceStatus).toBe('UPDATE_IN_PROGRESS');
    const stack = async () => (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    expect(await stack()).toMatchObject({ StackStatus: 'UPDATE_IN_PROGRESS', LastUpdatedTime: expect.any(Date) });

    stage.lambda.updateAlias(fn.functionName, 'live', { functionVersion: v2, additionalVersionWeights: {} });
    stage.codedeploy.finish(deployment.deploymentId, 'Succeeded');
    expect(await stack()).toMatchObject({ StackStatus: 'UPDATE_COMPLETE' });
    expect(physicalIds(await listAll(), 'AWS::Lambda::Version')).toContain(functionArn(fn.functionName, v2));
    expect(physicalIds(await listAll(), 'AWS::Lambda::Version')).not.toContain(functionArn(fn.functionName, '1'));
    expect((await alias()).ResourceStatus).toBe('UPDATE_COMPLETE');

    // A later update whose deployment fails is rolled back.
    const failing = deploy(v2);
    expect(await stack()).toMatchObject({ StackStatus: 'UPDATE_IN_PROGRESS' });
    stage.codedeploy.finish(failing.deploymentId, 'Failed');
    expect((await stack()).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  it('answers an action it does not serve with InvalidAction', async () => {
    await expect(client.send(new CreateStackCommand({ StackName: 'another' }))).rejects.toMatchObject({
      name: 'InvalidAction',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("refuses a request not signed with the stage's credentials, in the Query protocol's words", async () => {
    const response = await fetch(stage.endpoints.AWS_ENDPOINT_URL_CLOUDFORMATION!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=DescribeStacks&Version=2010-05-15&StackName=${stackName}`,
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain(
      '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>',
    );
    const endpoint = stage.endpoints.AWS_ENDPOINT_URL_CLOUDFORMATION;
    const forged = new CloudFormationClient({ ...config(), endpoint, credentials: { ...stage.credentials, secretAccessKey: 'guessed' } });
    const refused = (name: string) => ({ name, $metadata: { httpStatusCode: 403 } });
    await expect(forged.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toMatchObject(refused('SignatureDoesNotMatch'));
    const stranger = new CloudFormationClient({ ...config(), endpoint, credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' } });
    await expect(stranger.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toMatchObject(refused('InvalidClientTokenId'));
    forged.destroy();
    stranger.destroy();
  });
});

/**
 * The real SAM transform, where this machine's python3 has it (pip install aws-sam-translator); the test says so in
 * its name where it has not. SAM names a version after a hash of its code's location and an API deployment after
 * a hash of the document it rewrote, which the local stage cannot reproduce: those suffixes alone may differ.
 */
const withSamTranslator = spawnSync('python3', ['-c', 'import samtranslator'], { stdio: 'ignore' }).status === 0;
const itWithSam = withSamTranslator ? it : it.skip;
const HASHED = /^(.+(?:Version|Deployment))[0-9a-f]{10}$/;
const HASHED_TYPES = ['AWS::Lambda::Version', 'AWS::ApiGateway::Deployment'];
const unhashed = ([logicalId, type]: [string, string]) => `${type} ${HASHED_TYPES.includes(type) ? HASHED.exec(logicalId)![1] : logicalId}`;
const samSkipped = withSamTranslator ? '' : ' (SKIPPED: python3 with samtranslator not found; pip install aws-sam-translator)';

itWithSam(
  `lists the logical ids and types the real SAM transform gives template.yaml${samSkipped}`,
  async () => {
    const { stdout } = await run('python3', [join(ROOT, 'test', 'support', 'sam-translate.py'), 'template.yaml'], {
      cwd: ROOT,
      env: { ...process.env, AWS_DEFAULT_REGION: LOCAL_REGION },
      maxBuffer: 64 * 1024 * 1024,
    });
    const transformed = JSON.parse(stdout) as Template;
    // CloudFormation creates a resource only where its Condition holds, for the stack's own parameter values.
    const parameters = Object.fromEntries(stage.model.stack.parameters.map(({ key, value }) => [key, value]));
    const ctx = { file: 'template.yaml', stackName, template: transformed, parameters, refs: {}, attributes: {}, imports: {} };
    const translated = Object.entries(transformed.Resources as Record<string, Template>)
      .filter(([, r]) => !r.Condition || resolve(ctx, { Condition: r.Condition }))
      .map(([id, r]): [string, string] => [id, r.Type]);
    const local = (await listAll()).map((r): [string, string] => [r.LogicalResourceId!, r.ResourceType!]);
    expect(local.map(unhashed).sort()).toEqual(translated.map(unhashed).sort());
  },
  60_000,
);

describeWithTool('the AWS CLI', () => {
  const cloudformation = (...args: string[]) => awsCli('cloudformation', stage.endpoints.AWS_ENDPOINT_URL_CLOUDFORMATION!, stage.credentials, ...args);

  it('describe-stacks and list-stack-resources, and a missing stack', async () => {
    const { Stacks } = await cloudformation('describe-stacks', '--stack-name', stackName);
    expect(Stacks).toEqual([expect.objectContaining({ StackName: stackName, StackStatus: expect.stringMatching(/_COMPLETE$/) })]);
    const { StackResourceSummaries } = await cloudformation('list-stack-resources', '--stack-name', stackName);
    const logicalIds = (summaries: StackResourceSummary[]) => summaries.map((r) => r.LogicalResourceId).sort();
    expect(logicalIds(StackResourceSummaries)).toEqual(logicalIds(await listAll()));
    const missing = 'An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id no-such-stack does not exist';
    await expect(cloudformation('describe-stacks', '--stack-name', 'no-such-stack')).rejects.toMatchObject({ stderr: expect.stringContaining(missing) });
  }, 60_000);
});

describeWithTool('boto3', () => {
  it("raises ClientError with CloudFormation's code ValidationError for a missing stack, and pages through the resources", async () => {
    // botocore parses XML strictly: markup left unescaped in an answer fails it.
    const script = [
      'from botocore.exceptions import ClientError',
      'for name in sys.argv[2:]:',
      '    try:',
      '        client.describe_stacks(StackName=name)',
      '    except ClientError as error:',
      "        print(error.response['Error']['Code'], error.response['Error']['Message'])",
      "pages = client.get_paginator('list_stack_resources').paginate(StackName=sys.argv[1])",
      "print(sum(len(page['StackResourceSummaries']) for page in pages))",
    ];
    const endpoint = stage.endpoints.AWS_ENDPOINT_URL_CLOUDFORMATION!;
    const lines = await boto3('cloudformation', endpoint, stage.credentials, script, stackName, 'no-such-stack', `a<b>&"c'`);
    expect(lines).toEqual([
      'ValidationError Stack with id no-such-stack does not exist',
      `ValidationError Stack with id a<b>&"c' does not exist`,
      String((await listAll()).length),
    ]);
  }, 30_000);
});
