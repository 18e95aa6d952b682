import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type Template } from '../local/template/cloudformation';

/**
 * The real tools on the real templates: AWS's SAM transform (samtranslator), as CloudFormation runs it for
 * `sam deploy`, and cfn-lint, each from this machine's python3. Where they are missing, these tests say so in
 * their names and are skipped; `pip install cfn-lint aws-sam-translator` brings both.
 */
const TEMPLATES = ['template.yaml', 'iaac/company-table.yaml', 'iaac/artifacts-bucket.yaml', 'iaac/api-gateway-logging.yaml'];

const has = (modules: string) => spawnSync('python3', ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
const withTools = has('samtranslator, cfnlint');
const named = (title: string) => (withTools ? title : `${title} (SKIPPED: python3 with cfn-lint and samtranslator not found; pip install cfn-lint aws-sam-translator)`);
const itWithTools = withTools ? it : it.skip;
if (!withTools) console.warn('template-tools: cfn-lint and samtranslator are not installed; pip install cfn-lint aws-sam-translator to run these tests');

const run = (command: string, args: string[]) =>
  spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_DEFAULT_REGION: 'us-east-1' }, maxBuffer: 64 * 1024 * 1024 });

itWithTools(named('the real SAM transform accepts template.yaml and gives each Company function a deployment group with all five of its alarms'), () => {
  const transformed = run('python3', [join(ROOT, 'test', 'support', 'sam-translate.py'), 'template.yaml']);
  expect(transformed.stderr.split('\n').filter((line) => line && !/Feature Toggle/.test(line))).toEqual([]);
  expect(transformed.status).toBe(0);
  const resources = (JSON.parse(transformed.stdout) as Template).Resources as Record<string, Template>;
  const groups = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CodeDeploy::DeploymentGroup');
  expect(groups.map(([id]) => id).sort()).toEqual(['CreateCompany', 'DeleteCompany', 'GetCompany', 'ListCompanies', 'UpdateCompany'].map((op) => `${op}FunctionDeploymentGroup`));
  for (const [id, group] of groups) {
    const op = id.replace(/FunctionDeploymentGroup$/, '');
    expect(group.Properties.AlarmConfiguration.Alarms.map((a: Template) => a.Name.Ref)).toEqual(
      ['Errors', 'Http5xx', 'Latency', 'InvocationErrors', 'Timeouts'].map((kind) => `${op}${kind}Alarm`),
    );
  }
  // The Globals' JSON log format reaches every function, merged with its own log group.
  const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  expect(functions.map((fn) => [fn.Properties.LoggingConfig.LogFormat, fn.Properties.LoggingConfig.SystemLogLevel, Boolean(fn.Properties.LoggingConfig.LogGroup)])).toEqual(
    functions.map(() => ['JSON', 'INFO', true]),
  );
}, 60_000);

itWithTools(named('cfn-lint finds no error in the application template nor in the stateful stacks'), () => {
  const linted = run('cfn-lint', ['--format', 'json', ...TEMPLATES]);
  const findings = JSON.parse(linted.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Filename: string }>;
  expect(findings.filter((finding) => finding.Level === 'Error').map((f) => `${f.Filename}: ${f.Rule.Id} ${f.Message}`)).toEqual([]);
  // cfn-lint's exit code has bit 2 for errors (1 for a failure of its own).
  expect(linted.status! & 3).toBe(0);
}, 60_000);
