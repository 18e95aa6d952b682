/**
 * `npm run canary -- <command> [options]` (or the `canary` bin): operates the canary deployments of a
 * deployed stack (--stack <name> [--region <r>] [--profile <p>]) or of the running local stage (--local),
 * through the same AWS SDK calls. Exit codes: 0 done (or deployed), 1 rolled back or refused, 2 could not run.
 */
import { parseArgs } from 'node:util';
import { abort } from './abort';
import { serveDashboard } from './dashboard/server';
import { approve } from './gates';
import { history, renderHistory } from './history';
import { NO_PROMOTE_ON_AWS, promote } from './promote';
import { renderStatus } from './render';
import { ramp, rollback, RoutingRefused, shift } from './routing';
import { chosen, readStack, StackError } from './stack';
import { closeTarget, targetOf, TargetError } from './target';
import { readStatuses, watch } from './watch';

const USAGE = `usage: npm run canary -- <command> (--local | --stack <name> [--region <r>] [--profile <p>])
  status [<function>…] [--watch [--start-timeout 0s]] [--json]
                                               where each alias routes, the deployment in progress, each version's figures;
                                               --watch redraws until the deployments end: exit 0 deployed, 1 rolled back;
                                               --start-timeout: how long to wait for a deployment to begin
  abort [<function>…]                          stop the running deployments with rollback; wait until each alias is back
  approve [<function>…]                        let deployments waiting at a manual gate go on (stacks with ManualGates=Enabled)
  promote [<function>…]                        end the canary's bake now (the local stage only: AWS has no such call)
  shift <function> --to <version> --weight <0..1> [--revision-id <id>]
  rollback <function> [--revision-id <id>]     all traffic back to the alias's own version
                                               --revision-id: change only if the alias is as status --json showed it
  ramp <function> --to <version> [--steps 1,5,25,100] [--every 5m]
                                               checks alarms and the judge before each step; reverts on trouble
  history [<function>…] [--limit 10] [--json]  the last deployments: outcome, duration, rollback reason, who stopped it
  dashboard [<function>…] [--port <p>]         status and per-version charts as a web page on 127.0.0.1, redrawn every 2 s, until Ctrl-C
<function> is a logical id (GetCompanyFunction) or a function name; none means every gradually deployed one.`;

class UsageError extends Error {}

/** 5m, 30s, 1h, 500ms: milliseconds. */
function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!match) throw new UsageError(`durations are written 500ms, 30s, 5m or 1h, not ${text}`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean' },
      stack: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      watch: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      to: { type: 'string' },
      'revision-id': { type: 'string' },
      weight: { type: 'string' },
      steps: { type: 'string', default: '1,5,25,100' },
      every: { type: 'string', default: '5m' },
      limit: { type: 'string', default: '10' },
      port: { type: 'string', default: '0' },
      interval: { type: 'string', default: '2s' },
      'start-timeout': { type: 'string', default: '0s' },
      timeout: { type: 'string', default: '15m' },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, ...names] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const target = targetOf(values);
  // Refused before any call: nothing on AWS could do it.
  if (command === 'promote' && !target.local) throw new TargetError(NO_PROMOTE_ON_AWS);
  try {
    const stack = await readStack(target.clients, target.stackName);
    const functions = chosen(stack, names);
    const one = () => {
      if (functions.length !== 1 || names.length !== 1) throw new UsageError(`${command} takes one function: ${command} <function> …`);
      return functions[0]!;
    };
    const say = (line: string) => console.log(line);
    switch (command) {
      case 'status': {
        if (values.watch) {
          const redraw = !values.json && process.stdout.isTTY === true;
          return await watch(target, stack, functions, { json: values.json, intervalMs: duration(values.interval), startTimeoutMs: duration(values['start-timeout']), write: (text) => process.stdout.write(text), redraw });
        }
        const statuses = await readStatuses(target, stack, functions);
        say(values.json ? JSON.stringify({ at: new Date().toISOString(), functions: statuses }, null, 2) : renderStatus(target.label, statuses, new Date()));
        return 0;
      }
      case 'abort': {
        const aborted = await abort(target.clients, functions, say, duration(values.timeout));
        if (aborted.length === 0) say('no deployment in progress: nothing to abort');
        return aborted.every((a) => a.backOn) ? 0 : 1;
      }
      case 'approve':
        return (await approve(target.clients, stack, functions, say)) > 0 ? 0 : 1;
      case 'promote':
        (await promote(target, functions)).forEach(say);
        return 0;
      case 'shift': {
        if (!values.to || values.weight === undefined) throw new UsageError('shift takes --to <version> --weight <0..1>');
        const fn = one();
        const routed = await shift(target.clients, fn, values.to, Number(values.weight), values['revision-id']);
        say(`${fn.functionName}:${fn.alias} → version ${routed.version}${routed.extra ? `, version ${routed.extra.version} ${+(routed.extra.weight * 100).toFixed(2)} %` : ', all traffic'}`);
        return 0;
      }
      case 'rollback': {
        const fn = one();
        const routed = await rollback(target.clients, fn, values['revision-id']);
        say(routed ? `${fn.functionName}:${fn.alias} → version ${routed.version}, all traffic` : `${fn.functionName}:${fn.alias} routes to one version already: nothing to roll back`);
        return 0;
      }
      case 'ramp': {
        if (!values.to) throw new UsageError('ramp takes --to <version>');
        const steps = values.steps.split(',').map(Number);
        const ended = await ramp(target.clients, one(), { to: values.to, steps, everyMs: duration(values.every), report: say });
        say(ended === 'completed' ? `ramp completed: version ${values.to} takes all traffic` : 'ramp reverted');
        return ended === 'completed' ? 0 : 1;
      }
      case 'history': {
        const limit = Number(values.limit);
        if (!(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit takes a whole number');
        const entries = await history(target.clients, stack, functions, limit);
        say(values.json ? JSON.stringify(entries, null, 2) : renderHistory(entries));
        return 0;
      }
      case 'dashboard': {
        const port = Number(values.port);
        if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new UsageError('--port takes a port number (0, the default, for a free one)');
        await serveDashboard(target, stack, functions, { port, say });
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}\n${USAGE}`);
    }
  } finally {
    closeTarget(target);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const refused = error instanceof RoutingRefused;
    const ours = refused || error instanceof UsageError || error instanceof TargetError || error instanceof StackError;
    console.error(`canary: ${ours ? error.message : `${error.name}: ${error.message}`}`);
    if (error.name === 'CredentialsProviderError') console.error('No AWS credentials: set a profile (--profile) or AWS_* variables, or use --local.');
    process.exit(refused ? 1 : 2);
  },
);
