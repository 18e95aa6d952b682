import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local/template/cloudformation';
import { awsCli, boto3, describeWithTool } from './support/aws-cli';
import { functionNamed } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * What an operator reads of the stage's functions, versions and aliases, and how an alias's routing is changed,
 * as Lambda answers it: through the project's SDK, the real AWS CLI and boto3 (whose strict parsers read the
 * answers). A function is named in each form Lambda takes: a name, `name:qualifier`, a partial ARN or a full one.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
let client: LambdaClient;
let getCompany: string;
beforeAll(async () => {
  stage = await startTestStage('lambda-reads');
  client = new LambdaClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_LAMBDA, maxAttempts: 1 });
  getCompany = functionNamed(stage, 'GetCompanyFunction').functionName;
});
afterAll(async () => {
  client.destroy();
  await stage.stop();
});

/** A second version of GetCompany, with 10 % of `live` routed to it, as a canary's first shift leaves it. */
function shiftTenPercent() {
  const version = stage.lambda.publishVersion(getCompany, stage.lambda.bundleOf(getCompany, '1'));
  stage.lambda.updateAlias(getCompany, 'live', { functionVersion: '1', additionalVersionWeights: { [version]: 0.1 } });
  return version;
}

describe('the SDK', () => {
  it("reads an alias's routing, with a RevisionId that changes at every update", async () => {
    const before = await client.send(new GetAliasCommand({ FunctionName: getCompany, Name: 'live' }));
    expect(before).toMatchObject({ Name: 'live', FunctionVersion: '1', AliasArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${getCompany}:live` });
    expect(before.RoutingConfig).toBeUndefined();
    const version = shiftTenPercent();
    const after = await client.send(new GetAliasCommand({ FunctionName: getCompany, Name: 'live' }));
    expect(after).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { [version]: 0.1 } } });
    expect(after.RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(after.RevisionId).not.toBe(before.RevisionId);
    const listed = await client.send(new ListAliasesCommand({ FunctionName: getCompany, FunctionVersion: version }));
    expect(listed.Aliases?.map((a) => a.Name)).toEqual(['live']);
    expect((await client.send(new ListAliasesCommand({ FunctionName: getCompany, FunctionVersion: '99' }))).Aliases).toEqual([]);
  });

  it("lists a function's versions, and reads a version's configuration by name, qualifier and ARN", async () => {
    const { Versions = [] } = await client.send(new ListVersionsByFunctionCommand({ FunctionName: getCompany }));
    expect(Versions.map((v) => v.Version).slice(0, 2)).toEqual(['$LATEST', '1']);
    const byAlias = await client.send(new GetFunctionConfigurationCommand({ FunctionName: `${getCompany}:live` }));
    expect(byAlias).toMatchObject({ Version: '1', Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 3, MemorySize: 512, State: 'Active', LoggingConfig: { LogFormat: 'JSON' } });
    expect(byAlias.CodeSha256).toBe(Versions[1]!.CodeSha256);
    const byArn = await client.send(new GetFunctionConfigurationCommand({ FunctionName: `${LOCAL_ACCOUNT}:function:${getCompany}`, Qualifier: '1' }));
    expect(byArn.FunctionArn).toBe(byAlias.FunctionArn);
  });

  it('invokes an alias named in the function name or a partial ARN, as its routing says', async () => {
    for (const FunctionName of [`${getCompany}:live`, `${LOCAL_ACCOUNT}:function:${getCompany}:live`, `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${getCompany}:live`]) {
      const answer = await client.send(new InvokeCommand({ FunctionName, Payload: Buffer.from('{}') }));
      expect(answer.ExecutedVersion).toMatch(/^[0-9]+$/);
    }
    const pinned = await client.send(new InvokeCommand({ FunctionName: `${getCompany}:1`, Payload: Buffer.from('{}') }));
    expect(pinned.ExecutedVersion).toBe('1');
  });

  it('accepts an Event invocation at once (202, no payload) and runs it; refuses a missing function and DryRun', async () => {
    const ran: string[] = [];
    stage.events.on('invocation', (record) => ran.push(`${record.functionName}:${record.executedVersion}`));
    const accepted = await client.send(new InvokeCommand({ FunctionName: `${getCompany}:1`, InvocationType: 'Event', Payload: Buffer.from('{}') }));
    expect(accepted).toMatchObject({ StatusCode: 202, $metadata: { requestId: expect.any(String) } });
    expect(accepted.Payload?.length ?? 0).toBe(0);
    for (let waited = 0; !ran.includes(`${getCompany}:1`); waited += 50) {
      if (waited > 10_000) throw new Error('the Event invocation never ran');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect(client.send(new InvokeCommand({ FunctionName: 'NoSuchFunction', InvocationType: 'Event', Payload: Buffer.from('{}') }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(client.send(new InvokeCommand({ FunctionName: getCompany, InvocationType: 'DryRun' }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('refuses a qualifier given twice, differently, and names a missing alias', async () => {
    await expect(client.send(new GetFunctionConfigurationCommand({ FunctionName: `${getCompany}:live`, Qualifier: '1' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new GetAliasCommand({ FunctionName: getCompany, Name: 'blue' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Alias not found: ${getCompany}:blue`,
    });
    await expect(client.send(new GetFunctionConfigurationCommand({ FunctionName: getCompany, Qualifier: '77' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('UpdateAlias', () => {
  const update = (input: Omit<ConstructorParameters<typeof UpdateAliasCommand>[0], 'FunctionName' | 'Name'>) =>
    client.send(new UpdateAliasCommand({ FunctionName: getCompany, Name: 'live', ...input }));
  const back = () => stage.lambda.updateAlias(getCompany, 'live', { functionVersion: '1', additionalVersionWeights: {} });
  afterEach(back);

  it('shifts weight to a second published version, given the RevisionId the caller read, and refuses a stale one', async () => {
    back();
    const version = stage.lambda.publishVersion(getCompany, stage.lambda.bundleOf(getCompany, '1'));
    const read = await client.send(new GetAliasCommand({ FunctionName: getCompany, Name: 'live' }));
    const shifted = await update({ RoutingConfig: { AdditionalVersionWeights: { [version]: 0.25 } }, RevisionId: read.RevisionId });
    expect(shifted).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { [version]: 0.25 } } });
    expect(stage.lambda.getAlias(getCompany, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: { [version]: 0.25 } });
    // A second operator who read the alias before that change is refused, and changes nothing.
    await expect(update({ FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: read.RevisionId })).rejects.toMatchObject({
      name: 'PreconditionFailedException',
      $metadata: { httpStatusCode: 412 },
    });
    expect(stage.lambda.getAlias(getCompany, 'live').functionVersion).toBe('1');
    // Promoting moves the alias wholly to the version, its routing emptied.
    expect(await update({ FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: shifted.RevisionId })).toMatchObject({ FunctionVersion: version });
    expect(stage.lambda.getAlias(getCompany, 'live')).toEqual({ functionVersion: version, additionalVersionWeights: {} });
  });

  it("refuses what Lambda refuses, changing nothing: a third version, $LATEST in a routing, a weight outside 0..1, a version that doesn't exist", async () => {
    const [a, b] = [1, 2].map(() => stage.lambda.publishVersion(getCompany, stage.lambda.bundleOf(getCompany, '1')));
    const refused: Array<Record<string, number>> = [{ [a!]: 0.1, [b!]: 0.1 }, { $LATEST: 0.1 }, { [a!]: 1.5 }, { [a!]: -0.1 }, { '1': 0.5 }];
    for (const weights of refused) {
      await expect(update({ RoutingConfig: { AdditionalVersionWeights: weights } })).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    }
    await expect(update({ FunctionVersion: '999' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(stage.lambda.getAlias(getCompany, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
  });
});

describeWithTool('the AWS CLI', () => {
  const lambda = (...args: string[]) => awsCli('lambda', stage.endpoints.AWS_ENDPOINT_URL_LAMBDA!, stage.credentials, ...args);

  it('get-alias, list-aliases, list-versions-by-function, get-function-configuration and get-function', async () => {
    expect(await lambda('get-alias', '--function-name', getCompany, '--name', 'live')).toMatchObject({ Name: 'live', FunctionVersion: '1' });
    expect((await lambda('list-aliases', '--function-name', getCompany)).Aliases.map((a: { Name: string }) => a.Name)).toEqual(['live']);
    const versions = (await lambda('list-versions-by-function', '--function-name', getCompany)).Versions.map((v: { Version: string }) => v.Version);
    expect(versions.slice(0, 2)).toEqual(['$LATEST', '1']);
    expect(await lambda('get-function-configuration', '--function-name', getCompany, '--qualifier', 'live')).toMatchObject({ Version: '1', Handler: expect.any(String) });
    expect(await lambda('get-function', '--function-name', `${getCompany}:1`)).toMatchObject({ Configuration: { Version: '1' }, Code: { RepositoryType: 'S3' } });
  }, 60_000);

  it('update-alias with a routing config, and the CLI’s words for a stale revision', async () => {
    const version = stage.lambda.publishVersion(getCompany, stage.lambda.bundleOf(getCompany, '1'));
    const { RevisionId } = await lambda('get-alias', '--function-name', getCompany, '--name', 'live');
    const routing = `AdditionalVersionWeights={${version}=0.1}`;
    expect(await lambda('update-alias', '--function-name', getCompany, '--name', 'live', '--routing-config', routing, '--revision-id', RevisionId)).toMatchObject({
      RoutingConfig: { AdditionalVersionWeights: { [version]: 0.1 } },
    });
    await expect(lambda('update-alias', '--function-name', getCompany, '--name', 'live', '--function-version', '1', '--revision-id', RevisionId)).rejects.toMatchObject({
      stderr: expect.stringContaining('(PreconditionFailedException) when calling the UpdateAlias operation'),
    });
    stage.lambda.updateAlias(getCompany, 'live', { functionVersion: '1', additionalVersionWeights: {} });
  }, 60_000);

  it('says which alias is missing, in the CLI’s own words for the error', async () => {
    await expect(lambda('get-alias', '--function-name', getCompany, '--name', 'blue')).rejects.toMatchObject({
      stderr: expect.stringContaining(`(ResourceNotFoundException) when calling the GetAlias operation: Alias not found: ${getCompany}:blue`),
    });
  }, 30_000);
});

describeWithTool('boto3', () => {
  it("get_alias through boto3's typed model, and its typed ResourceNotFoundException", async () => {
    const script = [
      "alias = client.get_alias(FunctionName=sys.argv[1], Name='live')",
      "print(alias['Name'], alias['FunctionVersion'])",
      'try:',
      "    client.get_alias(FunctionName=sys.argv[1], Name='blue')",
      'except client.exceptions.ResourceNotFoundException:',
      "    print('typed')",
    ];
    expect(await boto3('lambda', stage.endpoints.AWS_ENDPOINT_URL_LAMBDA!, stage.credentials, script, getCompany)).toEqual(['live 1', 'typed']);
  }, 30_000);
});
