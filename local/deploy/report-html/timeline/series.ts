import type { FunctionReport, TrafficSample } from '../../report';
import { BUCKET_MS } from '../clock';

/** What one version served in one bucket. */
export interface Bucket {
  /** Start of the bucket, epoch ms. */
  at: number;
  requests: number;
  errors: number;
}

/** The traffic one version of a function served, bucket by bucket. */
export interface Series {
  version: string;
  role: 'current' | 'target' | 'other';
  /** One point per bucket, zero where the version served nothing, so the line drops instead of skipping. */
  points: Bucket[];
}

/** A series per version the function's samples mention: the current version first, then the target, then any other. */
export function rateSeries(fn: FunctionReport, traffic: TrafficSample[]): Series[] {
  const samples = traffic.filter((sample) => sample.functionName === fn.functionName);
  if (!samples.length) return [];
  const first = Math.min(...samples.map((s) => s.at));
  const last = Math.max(...samples.map((s) => s.at));
  const buckets: number[] = [];
  for (let at = first; at <= last; at += BUCKET_MS) buckets.push(at);
  const roleOf = (version: string): Series['role'] => (version === fn.currentVersion ? 'current' : version === fn.targetVersion ? 'target' : 'other');
  const order = { current: 0, target: 1, other: 2 };
  const versions = [...new Set(samples.map((s) => s.version))].sort((a, b) => order[roleOf(a)] - order[roleOf(b)] || a.localeCompare(b));
  return versions.map((version) => ({
    version,
    role: roleOf(version),
    points: buckets.map((at) => {
      const inBucket = samples.filter((s) => s.version === version && s.at === at);
      return { at, requests: sum(inBucket.map((s) => s.requests)), errors: sum(inBucket.map((s) => s.errors)) };
    }),
  }));
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
export const perSecond = (inBucket: number) => inBucket / (BUCKET_MS / 1000);
