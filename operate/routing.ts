import { GetAliasCommand, type GetAliasCommandOutput, InvalidParameterValueException, PreconditionFailedException, ResourceNotFoundException, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { versionWindows } from '../guard/judge/metric-data';
import { judgeCanary } from '../guard/judge/verdict';
import { alarmStates } from './alarms';
import { deploymentsOf, UNFINISHED } from './deployments';
import type { CanaryFunction } from './stack';
import type { Clients } from './target';

/**
 * Routing by hand between two published versions, outside any deployment, with Lambda's own rules: an alias
 * routes to its version and at most one more, both published (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html);
 * every change carries the RevisionId it was read with, so that of two operators the second is refused
 * rather than silently undone.
 */
export class RoutingRefused extends Error {}

export interface Routed {
  version: string;
  extra?: { version: string; weight: number };
  revisionId: string;
}

/** CodeDeploy owns the alias while it deploys the function: a change by hand then fails or breaks the next stack update. */
export async function refuseDuringDeployment(clients: Clients, fn: CanaryFunction): Promise<void> {
  const [running] = await deploymentsOf(clients, fn, 1, UNFINISHED);
  if (running) {
    throw new RoutingRefused(
      `${fn.logicalId} has deployment ${running.deploymentId} in progress, and CodeDeploy moves its alias until it ends: a change by hand would break CloudFormation's next update. Wait for it (status --watch) or abort it first.`,
    );
  }
}

const readAlias = (clients: Clients, fn: CanaryFunction) => clients.lambda.send(new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.alias }));

function published(version: string): void {
  if (!/^[1-9]\d*$/.test(version)) throw new RoutingRefused(`--to takes a published version number; ${version} is not one (an alias cannot route $LATEST by weight).`);
}

/** Sends `weight` of the alias's traffic to `to`, the rest to its own version; weight 1 makes `to` its own version. */
async function route(clients: Clients, fn: CanaryFunction, alias: GetAliasCommandOutput, to: string, weight: number): Promise<Routed> {
  const own = alias.FunctionVersion!;
  const full = weight === 1 || to === own;
  const input = full
    ? { FunctionVersion: weight === 0 ? own : to, RoutingConfig: { AdditionalVersionWeights: {} } }
    : { FunctionVersion: own, RoutingConfig: { AdditionalVersionWeights: weight > 0 ? { [to]: weight } : {} } };
  try {
    const changed = await clients.lambda.send(new UpdateAliasCommand({ FunctionName: fn.functionName, Name: fn.alias, RevisionId: alias.RevisionId, ...input }));
    const [extra] = Object.entries(changed.RoutingConfig?.AdditionalVersionWeights ?? {});
    return { version: changed.FunctionVersion!, extra: extra && { version: extra[0], weight: extra[1] }, revisionId: changed.RevisionId! };
  } catch (error) {
    if (error instanceof PreconditionFailedException) {
      throw new RoutingRefused(`${fn.functionName}:${fn.alias} changed after it was read (another operator, or a deployment): nothing was changed; read its status and try again.`);
    }
    if (error instanceof ResourceNotFoundException) throw new RoutingRefused(`${fn.functionName} has no version ${to}: route only to versions it has published.`);
    if (error instanceof InvalidParameterValueException) throw new RoutingRefused(`Lambda refused the routing: ${error.message}`);
    throw error;
  }
}

/** The alias as it is now, or as the operator last saw it: a change then applies only if nobody changed it since. */
async function aliasToChange(clients: Clients, fn: CanaryFunction, seenRevision: string | undefined): Promise<GetAliasCommandOutput> {
  const alias = await readAlias(clients, fn);
  return seenRevision ? { ...alias, RevisionId: seenRevision } : alias;
}

export async function shift(clients: Clients, fn: CanaryFunction, to: string, weight: number, seenRevision?: string): Promise<Routed> {
  published(to);
  if (!(weight >= 0 && weight <= 1)) throw new RoutingRefused('--weight takes a share from 0 to 1, such as 0.05.');
  await refuseDuringDeployment(clients, fn);
  const alias = await aliasToChange(clients, fn, seenRevision);
  if (to === alias.FunctionVersion && weight < 1) throw new RoutingRefused(`Version ${to} is already the alias's own version: shift the other version, or rollback.`);
  return route(clients, fn, alias, to, weight);
}

/** All traffic back to the alias's own version, dropping the other. */
export async function rollback(clients: Clients, fn: CanaryFunction, seenRevision?: string): Promise<Routed | undefined> {
  await refuseDuringDeployment(clients, fn);
  const alias = await aliasToChange(clients, fn, seenRevision);
  if (Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length === 0) return undefined;
  return route(clients, fn, alias, alias.FunctionVersion!, 1);
}

export interface RampOptions {
  to: string;
  /** Percentages, rising, the last 100. */
  steps: number[];
  everyMs: number;
  report: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Moves traffic to `to` step by step; before each step after the first, reads the function's alarms and runs
 * the canary judge over both versions since the ramp began, and at any trouble sends everything back to the
 * alias's own version. Answers how it ended.
 */
export async function ramp(clients: Clients, fn: CanaryFunction, options: RampOptions): Promise<'completed' | 'reverted'> {
  const { to, steps, everyMs, report } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  published(to);
  if (steps.length === 0 || steps.some((s, i) => !(s > 0 && s <= 100) || (i > 0 && s <= steps[i - 1]!)) || steps.at(-1) !== 100) {
    throw new RoutingRefused('--steps takes rising percentages ending at 100, such as 1,5,25,100.');
  }
  await refuseDuringDeployment(clients, fn);
  let alias = await readAlias(clients, fn);
  const own = alias.FunctionVersion!;
  if (to === own) throw new RoutingRefused(`Version ${to} is already the alias's own version: nothing to ramp.`);
  const other = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).find((v) => v !== to);
  if (other) throw new RoutingRefused(`The alias already routes to version ${other} besides ${own}: roll that back first (an alias routes to two versions at most).`);
  const started = new Date();
  for (const [i, step] of steps.entries()) {
    if (i > 0) {
      await sleep(everyMs);
      const trouble = await troubleOf(clients, fn, own, to, started);
      if (trouble) {
        const reverted = await route(clients, fn, { ...alias, FunctionVersion: own, RoutingConfig: undefined }, own, 1);
        report(`trouble before ${step} %: ${trouble}; all traffic back on version ${reverted.version}`);
        return 'reverted';
      }
    }
    const routed = await route(clients, fn, alias, to, step / 100);
    alias = { ...alias, RevisionId: routed.revisionId };
    report(`step ${i + 1} of ${steps.length}: version ${to} takes ${step} %`);
  }
  return 'completed';
}

/** What speaks against the next step: an alarm in ALARM, or the judge's failing verdict. */
async function troubleOf(clients: Clients, fn: CanaryFunction, own: string, to: string, since: Date): Promise<string | undefined> {
  const firing = (await alarmStates(clients.cloudwatch, fn.alarms)).filter((a) => a.state === 'ALARM').map((a) => a.name);
  if (firing.length > 0) return `alarm ${firing.join(', ')} in ALARM`;
  const windows = await versionWindows(clients.cloudwatch, fn.functionName, { newer: to, older: own }, since, new Date());
  const judgement = judgeCanary(windows.newer, windows.older);
  if (judgement.outcome !== 'fail') return undefined;
  return `the canary judge finds version ${to} worse (${judgement.results.filter((r) => r.outcome === 'fail').map((r) => r.metric).join(', ')})`;
}
