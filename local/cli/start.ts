/**
 * `npm start`: the local stage. DynamoDB Local with the table from iaac/, every function of template.yaml
 * from its built bundle, and the API from open-api/ on http://127.0.0.1:3000 (PORT to change).
 *   npm start -- --persist            keep the data in .local/dynamodb between runs
 *   npm start -- --data-dir <folder>  keep it in another folder
 *   npm start -- --parameter-overrides Key=Value …
 *                                     stack parameters other than the template's defaults, as sam deploy takes them
 *                                     (DeploymentNotificationTopicArn=arn:aws:sns:… turns deployment notifications on)
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { operations } from '../../open-api/contract';
import { ROOT } from '../template/cloudformation';
import { startLocalStage } from '../local-stage';
import { serveControl } from '../stage-control';
import { STAGE_FILE } from '../running-stage';
import { integrationFunctionArn } from '../services/api-gateway/routes';

async function main() {
  const { values, positionals } = parseArgs({
    options: {
      persist: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'parameter-overrides': { type: 'string', multiple: true, default: [] },
    },
    allowPositionals: true,
  });
  // As `sam deploy --parameter-overrides` takes them: Key=Value pairs, in one argument or several.
  const pairs = [...values['parameter-overrides'], ...positionals].flatMap((arg) => arg.split(/\s+/)).filter(Boolean);
  const malformed = pairs.find((pair) => !/^[A-Za-z0-9]+=/.test(pair));
  if (malformed) throw new Error(`--parameter-overrides takes Key=Value pairs, not ${malformed}`);
  const parameterOverrides = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const port = Number(process.env.PORT ?? 3000);
  const persistDir = values['data-dir'] ?? (values.persist ? join(ROOT, '.local', 'dynamodb') : undefined);
  console.log(`starting DynamoDB Local (${persistDir ? `persisted in ${persistDir}` : 'in memory'})…`);
  let shutdown: (signal: string, code?: number) => void = (_, code) => process.exit(code);
  const stage = await startLocalStage({
    port,
    persistDir,
    parameterOverrides,
    onDynamoDb: (event) => {
      console.error(event.message);
      if (event.kind === 'gave-up') shutdown('DynamoDB Local failed', 1);
    },
    onLog: values.quiet ? undefined : (fn, line) => console.log(`  ${fn} | ${line}`),
    onAccess: (e) =>
      console.log(`${new Date().toISOString()} ${e.method} ${e.path} ${e.status} ${e.latencyMs.toFixed(1)}ms ${e.functionName ?? 'gateway'} ${e.requestId}`),
  });
  // What the code wrote comes through onLog; the runtime's own error lines and Lambda's record of an invocation
  // that failed (a crash, an exit, a timeout) are log events of their own, shown here as they would stand out
  // in CloudWatch Logs.
  if (!values.quiet) {
    stage.events.on('logEvent', (event) => {
      if (event.source === 'runtime' || (event.source === 'platform' && /"status":"(?!success)/.test(event.message))) console.log(`  ${event.functionName} | ${event.message}`);
    });
  }
  for (const fn of stage.model.functions) {
    if (!existsSync(fn.bundleDir)) console.warn(`warning: ${fn.logicalId} has no bundle in ${fn.bundleDir}; run npm run build`);
  }
  console.log(`table ${stage.tableName} (${stage.tableStatus}) on ${stage.dynamoEndpoint}`);
  if (stage.tableStatus === 'indexed') {
    console.log('the persisted table predates an index of iaac/company-table.yaml, added now: to list the companies stored before it, run npm run backfill:name-index -- --local');
  }
  const endpoints = Object.entries(stage.endpoints).map(([name, url]) => `${name.replace('AWS_ENDPOINT_URL_', '').replaceAll('_', ' ').toLowerCase()} ${url}`);
  console.log(`local AWS endpoints the functions use: ${endpoints.join(', ')}`);
  console.log(`they serve only requests signed with this stage's credentials, which ${relative(process.cwd(), STAGE_FILE)} holds (readable by you only)`);
  console.log(`serving ${stage.url}/ (stage ${stage.model.stageName}); IAM auth is not checked locally:`);
  for (const op of operations(stage.model.apiDocument)) {
    const target = op.integration?.type === 'aws_proxy' ? integrationFunctionArn(op).split(':function:')[1] : `${op.integration?.type} integration`;
    console.log(`  ${op.method.padEnd(6)} ${op.path.padEnd(24)} → ${target}`);
  }
  const control = await serveControl(stage);
  console.log('npm run deploy:local rehearses a deployment on this stage. Ctrl-C stops the stage, DynamoDB Local included.');

  let stopping = false;
  shutdown = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    Promise.all([control.stop(), stage.stop()]).then(
      () => process.exit(code),
      (error) => {
        console.error(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(`local stage failed to start: ${error.message}`);
  if (error.code === 'EADDRINUSE') console.error('Another process holds the port: stop it or set PORT to a free one.');
  process.exit(1);
});
