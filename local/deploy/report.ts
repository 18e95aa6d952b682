import type { AlarmTiming } from '../services/cloudwatch/aws-timing';
import type { AlarmReading } from '../services/cloudwatch/alarms';

/**
 * What a rehearsed deployment leaves in .local/deployments/<id>/report.json (and renders as report.html):
 * enough to see what happened to each function, when, and why.
 */
export interface DeploymentReport {
  id: string;
  startedAt: string;
  finishedAt: string;
  timeScale: number;
  /** How alarms were timed; with `aws`, durations in the report are AWS time (wall-clock × timeScale). */
  alarmTiming: AlarmTiming;
  trafficRps: number;
  outcome: 'Deployed' | 'RolledBack' | 'NothingToDeploy';
  functions: FunctionReport[];
  /** Requests per second bucket, per function and version, as the API served them. */
  traffic: TrafficSample[];
}

export interface FunctionReport {
  logicalId: string;
  functionName: string;
  currentVersion: string;
  /** Absent when the function's bundle did not change. */
  targetVersion?: string;
  outcome: 'Succeeded' | 'RolledBack' | 'Unchanged';
  reason?: string;
  /** The live alias when the rehearsal ended. */
  aliasAfter?: { functionVersion: string; additionalVersionWeights: Record<string, number> };
  timeline: TimelineEvent[];
  hooks: HookVerdict[];
  alarms: AlarmTransition[];
  summary?: DeploymentSummary;
}

/** What the new version did to users, and when its trouble was seen; durations in AWS ms. */
export interface DeploymentSummary {
  /** User requests (through the API) that reached the new version before the verdict. */
  requestsServedByTarget: number;
  failedRequestsServedByTarget: number;
  /** The same, split at the shift to 100 %: served while it took its canary share, and after. */
  canaryShare: ServedCount;
  fullShare: ServedCount;
  firstShiftToVerdictMs?: number;
  /** From the first shift to the first 5xx the new version served. */
  firstShiftToFirstFailureMs?: number;
  /** From the first shift to the first sign of trouble: an alarm going into ALARM, or the judge's stop, whenever that was. */
  firstShiftToDetectionMs?: number;
  /** What saw it first: an alarm (by logical id) or the canary judge. */
  detectedBy?: string;
  /** Everything that saw trouble, each once, in order, in AWS ms from the first shift: alarms, the judge, the hooks, the stack. */
  sightings: Array<{ by: string; afterMs?: number }>;
  /** The new version's invocations by users that failed, by Lambda's error type, on its canary share and after. */
  failuresByType: Record<string, { canaryShare: number; fullShare: number }>;
  /**
   * When trouble was first seen: while the new version had only its canary share, after it had all traffic,
   * after the deployment had ended (too late to roll back), or not at all.
   */
  detected: 'before-full-shift' | 'after-full-shift' | 'after-deployment-ended' | 'not-detected';
}

export interface ServedCount {
  requests: number;
  failed: number;
}

export type TimelineEvent =
  | { at: number; kind: 'phase'; phase: 'PreTraffic' | 'Shift' | 'Bake' | 'PostTraffic' | 'FinalBake' | 'Done' | 'Afterwatch' }
  | { at: number; kind: 'weight'; targetWeight: number }
  /** CodeDeploy's poll found this alarm in ALARM. */
  | { at: number; kind: 'alarm-seen'; alarm: string }
  /** The first 5xx a user got from the new version. */
  | { at: number; kind: 'first-failure' }
  /** The first invocation of the new version that failed this way, by Lambda's own account (its error type). */
  | { at: number; kind: 'failure-kind'; errorType: string }
  | { at: number; kind: 'rollback'; reason: string }
  /** An operator ended the bake early (`canary promote`, the local stage only). */
  | { at: number; kind: 'promoted' }
  /** The hook passed and left its status to an operator (manual gates). */
  | { at: number; kind: 'gate'; hook: 'PreTraffic' | 'PostTraffic' }
  | { at: number; kind: 'verdict'; outcome: 'Succeeded' | 'RolledBack' };

export interface HookVerdict {
  hook: 'PreTraffic' | 'PostTraffic';
  /** The lifecycle event's status as CodeDeploy lists it (Succeeded, Failed), or that none came within its hour. */
  status: string;
  at: number;
  evidence: unknown;
}

export interface AlarmTransition {
  at: number;
  alarm: string;
  state: AlarmReading['state'];
  values: AlarmReading['values'];
}

export interface TrafficSample {
  /** Start of the one-second bucket, epoch ms. */
  at: number;
  functionName: string;
  version: string;
  requests: number;
  errors: number;
}
