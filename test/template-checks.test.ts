import { yamlParse } from 'yaml-cfn';
import { lintTemplates, readProjectFiles, type ProjectFiles } from './support/template-lint';

/**
 * The templates, the OpenAPI document they include and the state machine definition pass the offline checks
 * of support/template-lint; and each kind of defect those checks exist for, planted in a copy, is reported.
 */

const files = readProjectFiles();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Template = Record<string, any>;

/**
 * A copy of the files whose template (or ASL document) `change` edits; written back as JSON, which is YAML too.
 * Made when its case runs, so that a finder that no longer finds fails that case alone.
 */
function edited(path: string, change: (doc: Template) => void): () => ProjectFiles {
  return () => {
    const doc = path.endsWith('.json') ? JSON.parse(files[path]!) : yamlParse(files[path]!);
    change(doc);
    return { ...files, [path]: JSON.stringify(doc, null, 2) };
  };
}

/** A copy with `text` appended to a YAML file, to plant what an object edit cannot express (short tags). */
function appended(path: string, text: string): () => ProjectFiles {
  return () => ({ ...files, [path]: `${files[path]}\n${text}\n` });
}

/** Finders by role rather than by logical id, so these cases follow the template as it changes. */
const resourcesOf = (t: Template, type: string) => Object.entries<Template>(t.Resources).filter(([, r]) => r.Type === type);
const firstOf = (t: Template, type: string) => resourcesOf(t, type)[0]![1];
const canaryFunction = (t: Template) => resourcesOf(t, 'AWS::Serverless::Function').find(([, r]) => r.Properties.DeploymentPreference?.Hooks)![1];
const preTrafficHook = (t: Template) => t.Resources[canaryFunction(t).Properties.DeploymentPreference.Hooks.PreTraffic.Ref];
const addOutput = (value: unknown) => (t: Template) => {
  t.Outputs.Broken = { Value: value };
};

const STATE_MACHINE = 'statemachine/company-journey.asl.json';

it('the real templates, OpenAPI document and state machine definition have no problems', () => {
  expect(Object.keys(files)).toEqual(expect.arrayContaining(['template.yaml', 'open-api/company-api.yaml', STATE_MACHINE]));
  expect(lintTemplates(files)).toEqual([]);
});

const broken: Array<[string, () => ProjectFiles, RegExp]> = [
  [
    'a misspelled property',
    edited('template.yaml', (t) => {
      const group = firstOf(t, 'AWS::Logs::LogGroup');
      group.Properties.RetentionInDay = group.Properties.RetentionInDays;
      delete group.Properties.RetentionInDays;
    }),
    /^template\.yaml: Resources\.\w+\.Properties\.RetentionInDay: AWS::Logs::LogGroup has no property RetentionInDay; did you mean RetentionInDays\?$/,
  ],
  [
    'a misspelled SAM property type key',
    edited('template.yaml', (t) => {
      canaryFunction(t).Properties.DeploymentPreference.Hooks.PreTrafic = 'x';
    }),
    /DeploymentPreference\.Hooks\.PreTrafic: AWS::Serverless::Function Hooks has no property PreTrafic; did you mean PreTraffic\?/,
  ],
  [
    'a misspelled key in a list of property types',
    edited('iaac/company-table.yaml', (t) => {
      firstOf(t, 'AWS::DynamoDB::Table').Properties.AttributeDefinitions[0].AttributeTyp = 'S';
    }),
    /^iaac\/company-table\.yaml: .*AttributeDefinitions\[0\]\.AttributeTyp: AWS::DynamoDB::Table AttributeDefinition has no property/,
  ],
  [
    'a misspelled alarm dimension key',
    edited('template.yaml', (t) => {
      firstOf(t, 'AWS::CloudWatch::Alarm').Properties.Dimensions[0].Nme = 'x';
    }),
    /Dimensions\[0\]\.Nme: AWS::CloudWatch::Alarm Dimension has no property Nme; did you mean Name\?/,
  ],
  [
    'a misspelled key of a property SAM passes to the generated resource',
    edited('template.yaml', (t) => {
      canaryFunction(t).Properties.LoggingConfig.LogGrup = 'x';
    }),
    /LoggingConfig\.LogGrup: AWS::Serverless::Function LoggingConfig has no property LogGrup; did you mean LogGroup\?/,
  ],
  [
    'a misspelled Globals property',
    edited('template.yaml', (t) => {
      t.Globals.Function.Runtim = 'nodejs22.x';
    }),
    /Globals\.Function\.Runtim: AWS::Serverless::Function \(in Globals\) has no property Runtim; did you mean Runtime\?/,
  ],
  [
    'an unknown resource type',
    edited('template.yaml', (t) => {
      t.Resources.Broken = { Type: 'AWS::Logs::LogGroupp' };
    }),
    /Resources\.Broken\.Type: AWS::Logs::LogGroupp is not a resource type the AWS resource specification knows/,
  ],
  [
    'an unknown resource attribute',
    edited('template.yaml', (t) => {
      firstOf(t, 'AWS::Logs::LogGroup').DeletionPolicyy = 'Retain';
    }),
    /\.DeletionPolicyy: not a resource attribute; did you mean DeletionPolicy\?/,
  ],
  [
    'SAM resources without the SAM transform',
    edited('template.yaml', (t) => {
      delete t.Transform;
    }),
    /AWS::Serverless::Function needs Transform: AWS::Serverless-2016-10-31/,
  ],
  ['a Ref to a missing resource', edited('template.yaml', addOutput({ Ref: 'MissingLogGroup' })), /Outputs\.Broken\.Value\.Ref: MissingLogGroup names no parameter, pseudo parameter or resource/],
  ['a Sub with an unknown variable', edited('template.yaml', addOutput({ 'Fn::Sub': 'x-${Unknown}' })), /Outputs\.Broken\.Value\.Fn::Sub: Unknown names no parameter/],
  [
    'a GetAtt of an attribute the spec does not know',
    edited('template.yaml', (t) => {
      const [id] = resourcesOf(t, 'AWS::Logs::LogGroup')[0]!;
      t.Outputs.Broken = { Value: { 'Fn::GetAtt': [id, 'Arnn'] } };
    }),
    /AWS::Logs::LogGroup has no attribute Arnn; did you mean Arn\?/,
  ],
  [
    'a GetAtt of a SAM function attribute its generated function lacks',
    edited('template.yaml', (t) => {
      const [id] = resourcesOf(t, 'AWS::Serverless::Function')[0]!;
      t.Outputs.Broken = { Value: { 'Fn::Sub': `\${${id}.Name}` } };
    }),
    /AWS::Lambda::Function has no attribute Name/,
  ],
  [
    'a Ref to an alias SAM does not generate',
    edited('template.yaml', (t) => {
      const [id] = resourcesOf(t, 'AWS::Serverless::Function')[0]!;
      t.Outputs.Broken = { Value: { Ref: `${id}Aliasprod` } };
    }),
    /Aliasprod names no parameter, pseudo parameter or resource/,
  ],
  [
    'an unknown condition',
    edited('template.yaml', addOutput({ 'Fn::If': ['NoSuchCondition', 'a', 'b'] })),
    /Outputs\.Broken\.Value\.Fn::If: condition NoSuchCondition is not in Conditions of template\.yaml/,
  ],
  [
    'an import no other stack exports',
    edited('template.yaml', addOutput({ 'Fn::ImportValue': { 'Fn::Sub': '${TableStackName}-CompanyTableArnn' } })),
    /imports \$\{TableStackName\}-CompanyTableArnn, but no other template exports \$\{AWS::StackName\}-CompanyTableArnn; did you mean -CompanyTableArn\?/,
  ],
  [
    'a Sub in the included OpenAPI document to a missing resource',
    appended('open-api/company-api.yaml', "x-broken:\n  Fn::Sub: '${NoSuchFunction}'"),
    /^open-api\/company-api\.yaml: x-broken\.Fn::Sub: NoSuchFunction names no parameter/,
  ],
  [
    'an unknown condition in the included OpenAPI document',
    appended('open-api/company-api.yaml', 'x-broken:\n  Fn::If: [NoSuchCondition, [], []]'),
    /^open-api\/company-api\.yaml: x-broken\.Fn::If: condition NoSuchCondition is not in Conditions of template\.yaml/,
  ],
  [
    'a short-form intrinsic in the included OpenAPI document',
    appended('open-api/company-api.yaml', "x-broken: !Sub '${AWS::Region}'"),
    /^open-api\/company-api\.yaml:\d+: unknown tag !<!Sub>: AWS::Include'd files take only long-form intrinsics/,
  ],
  [
    'a hook without the CodeDeployHook_ prefix',
    edited('template.yaml', (t) => {
      preTrafficHook(t).Properties.FunctionName = { 'Fn::Sub': 'Hook_${AWS::StackName}' };
    }),
    /Properties\.FunctionName: the PreTraffic hook's name must start with CodeDeployHook_/,
  ],
  [
    'a hook deployed through CodeDeploy itself',
    edited('template.yaml', (t) => {
      delete preTrafficHook(t).Properties.DeploymentPreference;
    }),
    /DeploymentPreference\.Enabled: must be false for the PreTraffic hook/,
  ],
  [
    'a gradual deployment without a PostTraffic hook',
    edited('template.yaml', (t) => {
      delete canaryFunction(t).Properties.DeploymentPreference.Hooks.PostTraffic;
    }),
    /DeploymentPreference\.Hooks\.PostTraffic: an enabled DeploymentPreference needs both lifecycle hooks/,
  ],
  [
    'a gradual deployment without alarms',
    edited('template.yaml', (t) => {
      delete canaryFunction(t).Properties.DeploymentPreference.Alarms;
    }),
    /DeploymentPreference\.Alarms: an enabled DeploymentPreference needs alarms to roll back on/,
  ],
  [
    'a gradual deployment whose type is no DeploymentConfig of the template',
    edited('template.yaml', (t) => {
      canaryFunction(t).Properties.DeploymentPreference.Type = 'Canary10Percent5Minutes';
    }),
    /DeploymentPreference\.Type: must Ref the AWS::CodeDeploy::DeploymentConfig of this template/,
  ],
  [
    'an Allow with Resource * on an action that supports resource-level permissions',
    edited('template.yaml', (t) => {
      canaryFunction(t).Properties.Policies[0].Statement.push({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' });
    }),
    /Policies\[0\]\.Statement\[\d+\]\.Resource: '\*' for dynamodb:GetItem, which support resource-level permissions/,
  ],
  [
    'a log resource-policy action on every resource, though it takes the account and region',
    edited('template.yaml', (t) => {
      canaryFunction(t).Properties.Policies[0].Statement.push({ Effect: 'Allow', Action: ['logs:CreateLogDelivery', 'logs:PutResourcePolicy'], Resource: '*' });
    }),
    /Policies\[0\]\.Statement\[\d+\]\.Resource: '\*' for logs:PutResourcePolicy, which support resource-level permissions/,
  ],
  [
    'an Allow of every action of a service',
    edited('iaac/api-gateway-logging.yaml', (t) => {
      firstOf(t, 'AWS::IAM::Role').Properties.Policies = [
        { PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['logs:*'], Resource: 'arn:aws:logs:::x' }] } },
      ];
    }),
    /^iaac\/api-gateway-logging\.yaml: .*PolicyDocument\.Statement\[0\]\.Action: logs:\* allows every action of the service/,
  ],
  [
    'a literal account id',
    edited('template.yaml', (t) => {
      firstOf(t, 'AWS::Logs::LogGroup').Properties.LogGroupName = 'arn-of-123456789012';
    }),
    /^template\.yaml: Resources\.\w+\.Properties\.LogGroupName: literal account id 123456789012; use \$\{AWS::AccountId\}/,
  ],
  [
    'a literal region',
    edited('iaac/company-table.yaml', (t) => {
      t.Description = 'The table, in eu-west-2';
    }),
    /^iaac\/company-table\.yaml: Description: literal region eu-west-2; use \$\{AWS::Region\}/,
  ],
  [
    'a state machine placeholder without a substitution',
    edited(STATE_MACHINE, (asl) => {
      asl.Comment = '${Unknown}';
    }),
    /^statemachine\/company-journey\.asl\.json: \$\{Unknown\} has no key in \w+'s DefinitionSubstitutions/,
  ],
  [
    'a substitution the state machine never uses',
    edited('template.yaml', (t) => {
      firstOf(t, 'AWS::Serverless::StateMachine').Properties.DefinitionSubstitutions.Unused = 'x';
    }),
    /DefinitionSubstitutions\.Unused: statemachine\/company-journey\.asl\.json never uses \$\{Unused\}/,
  ],
  [
    'a missing state machine definition',
    () => Object.fromEntries(Object.entries(files).filter(([path]) => path !== STATE_MACHINE)),
    /DefinitionUri: statemachine\/company-journey\.asl\.json does not exist/,
  ],
];

it.each(broken)('reports %s', (_, brokenFiles, expected) => {
  expect(lintTemplates(brokenFiles())).toContainEqual(expect.stringMatching(expected));
});

it("takes a Sub's own variables, SAM's generated ids and a Deny on everything as they are", () => {
  const fine = edited('template.yaml', (t) => {
    const [id] = resourcesOf(t, 'AWS::Serverless::Function')[0]!;
    t.Outputs.Fine = { Value: { 'Fn::Sub': [`\${Local}-\${${id}.Version}-\${${id}.Version.Version}`, { Local: 'x' }] } };
    canaryFunction(t).Properties.Policies[0].Statement.push({ Effect: 'Deny', Action: '*', Resource: '*' });
  });
  expect(lintTemplates(fine())).toEqual([]);
});
