import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { lastLine } from './log-lines';

/** What this project's guard logged about a deployment (guard/canary-judge.ts, guard/stop-deployment.ts). */
export interface Verdict {
  at: string;
  round: number;
  outcome: string;
  results: Array<{ metric: string; outcome: string; confidence?: number; detail?: Record<string, unknown> }>;
}

export async function latestVerdict(logs: CloudWatchLogsClient, judgeLogGroup: string, deploymentId: string, since: Date): Promise<Verdict | undefined> {
  const found = await lastLine(logs, judgeLogGroup, 'canary verdict', deploymentId, since);
  return found && { at: found.at, round: found.line.round as number, outcome: found.line.outcome as string, results: found.line.results as Verdict['results'] };
}

/** Which part of the guard stopped a deployment, and on what; undefined when neither logged a stop of it. */
export async function guardStop(logs: CloudWatchLogsClient, groups: { judge?: string; stopper?: string }, deploymentId: string, since: Date): Promise<string | undefined> {
  const stopped = 'deployment stopped, rolling back';
  const [byStopper, byJudge] = await Promise.all([
    groups.stopper ? lastLine(logs, groups.stopper, stopped, deploymentId, since) : undefined,
    groups.judge ? lastLine(logs, groups.judge, stopped, deploymentId, since) : undefined,
  ]);
  if (byStopper) return `the stopper, on alarm ${String(byStopper.line.alarm)}`;
  if (!byJudge) return undefined;
  const failed = (byJudge.line.judgement as Verdict['results'] | undefined)?.filter((r) => r.outcome === 'fail').map((r) => r.metric) ?? [];
  return `the canary judge (${failed.join(', ') || 'a failing verdict'})`;
}
