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
  summary?: {
    /** User requests (through the API) the new version served. */
    requestsServedByTarget: number;
    failedRequestsServedByTarget: number;
    /** From the first traffic shift to the verdict (success or rollback), in wall-clock ms. */
    firstShiftToVerdictMs?: number;
  };
}

export type TimelineEvent =
  | { at: number; kind: 'phase'; phase: 'PreTraffic' | 'Shift' | 'Bake' | 'PostTraffic' | 'Done' }
  | { at: number; kind: 'weight'; targetWeight: number }
  | { at: number; kind: 'rollback'; reason: string }
  | { at: number; kind: 'verdict'; outcome: 'Succeeded' | 'RolledBack' };

export interface HookVerdict {
  hook: 'PreTraffic' | 'PostTraffic';
  /** The lifecycle event's status as CodeDeploy lists it: Succeeded, Failed, or Pending when none came. */
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
