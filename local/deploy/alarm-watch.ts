import type { AwsClock } from '../services/cloudwatch/aws-clock';
import { type AlarmTiming, evaluationEverySeconds } from '../services/cloudwatch/aws-timing';
import { alarmDelayMs, type AlarmSpec, type AlarmState, evaluateAlarm, evaluateAlarmAt } from '../services/cloudwatch/alarms';
import type { LocalCloudWatch } from '../services/cloudwatch/metrics';
import type { AlarmTransition } from './report';

/**
 * CloudWatch's side of a deployment: the alarms of a DeploymentPreference evaluated as time passes. With
 * AWS timing each alarm is evaluated at every boundary of its cadence (each minute, or each 10 s for a
 * high-resolution alarm), in AWS time; with instant timing, on every tick.
 */
export interface AlarmWatch {
  /** Each alarm's state now. */
  readonly states: Record<string, AlarmState>;
  /** Evaluates whatever is due by `wallNow`; answers the state changes, oldest first. */
  tick(wallNow: number): AlarmTransition[];
  /** AWS ms after a moment until every alarm has evaluated the data of that moment. */
  settleAwsMs(): number;
}

export function watchAlarms(alarms: AlarmSpec[], metrics: LocalCloudWatch, clock: AwsClock, timing: AlarmTiming, startedAt = Date.now()): AlarmWatch {
  const aws = timing.mode === 'aws';
  const states: Record<string, AlarmState> = Object.fromEntries(alarms.map((a) => [a.logicalId, aws ? 'INSUFFICIENT_DATA' : 'OK']));
  const cadenceMs = (alarm: AlarmSpec) => evaluationEverySeconds(alarm.periodSeconds) * 1000;
  const started = clock.aws(startedAt);
  const next = new Map(alarms.map((a) => [a.logicalId, Math.floor(started / cadenceMs(a)) * cadenceMs(a) + cadenceMs(a)]));

  return {
    states,
    tick(wallNow) {
      const transitions: AlarmTransition[] = [];
      const record = (alarm: AlarmSpec, at: number, reading: ReturnType<typeof evaluateAlarm>) => {
        if (reading.state === states[alarm.logicalId]) return;
        states[alarm.logicalId] = reading.state;
        transitions.push({ at, alarm: alarm.logicalId, state: reading.state, values: reading.values });
      };
      if (!aws) {
        for (const alarm of alarms) record(alarm, wallNow, evaluateAlarm(alarm, metrics, wallNow, clock.timeScale));
        return transitions;
      }
      const awsNow = clock.aws(wallNow);
      for (const alarm of alarms) {
        for (let due = next.get(alarm.logicalId)!; due <= awsNow; due += cadenceMs(alarm)) {
          record(alarm, clock.wall(due), evaluateAlarmAt(alarm, metrics, clock, timing, due, states[alarm.logicalId]!));
          next.set(alarm.logicalId, due + cadenceMs(alarm));
        }
      }
      return transitions.sort((a, b) => a.at - b.at);
    },
    settleAwsMs() {
      if (!aws) return 0;
      // The moment's period must end, its data arrive, and the next evaluation come round.
      return Math.max(0, ...alarms.map((a) => a.periodSeconds * 1000 + alarmDelayMs(a, metrics, timing) + cadenceMs(a)));
    },
  };
}
