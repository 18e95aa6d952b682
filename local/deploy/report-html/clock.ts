import type { DeploymentReport } from '../report';
import { seconds } from './format';

/** One bucket of `report.traffic` (see TrafficSample.at). */
export const BUCKET_MS = 1_000;

/** Maps epoch-ms instants onto the axis all timelines share: AWS seconds since the deployment started. */
export interface Clock {
  /** Seconds from the start to the last thing the report saw, at least the finish. */
  end: number;
  seconds(at: number): number;
}

export function deploymentClock(report: DeploymentReport): Clock {
  const start = Date.parse(report.startedAt);
  const instants = [
    Date.parse(report.finishedAt),
    ...report.traffic.map((sample) => sample.at + BUCKET_MS),
    ...report.functions.flatMap((fn) => [...fn.timeline, ...fn.hooks, ...fn.alarms].map((event) => event.at)),
  ];
  const last = instants.reduce((latest, at) => Math.max(latest, at), start + BUCKET_MS);
  const seconds = (at: number) => ((at - start) / 1000) * report.timeScale;
  return { end: seconds(last), seconds };
}

/** An epoch-ms instant as the page writes it: "2.3 s" after the start. */
export const elapsed = (clock: Clock, at: number) => seconds(clock.seconds(at));
