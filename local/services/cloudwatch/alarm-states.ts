import { ServiceError } from '../aws-json-protocol';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/cloudformation';
import type { AlarmSpec, AlarmState } from './alarms';

/**
 * The stage's alarms as CloudWatch holds them: each deployment alarm of the template, defined as CloudFormation
 * last wrote it (for the version being deployed, since its dimensions name it), and its state. Whoever evaluates
 * an alarm sets its state here (the rehearsal, on CloudWatch's clock); outside a rehearsal nothing evaluates
 * them, and they keep the state they had. DescribeAlarms reads them, as the PostTraffic hook's final bake and
 * an operator's own CLI do.
 */
interface HeldAlarm {
  spec: AlarmSpec;
  state: AlarmState;
  reason: string;
  updatedAt: Date;
}

/** How many state changes DescribeAlarmHistory can answer: the newest, so that a long stage holds bounded memory. */
const HISTORY_LIMIT = 1_000;

interface HistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm';
  Timestamp: Date;
  HistoryItemType: 'StateUpdate';
  HistorySummary: string;
  HistoryData: string;
}

export class LocalAlarms {
  private readonly byName = new Map<string, HeldAlarm>();
  private readonly history: HistoryItem[] = [];

  /** Defines or redefines an alarm; a redefinition keeps the state, as PutMetricAlarm does. */
  define(spec: AlarmSpec): void {
    const held = this.byName.get(spec.name);
    if (held) held.spec = spec;
    else this.byName.set(spec.name, { spec, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: new Date() });
  }

  setState(name: string, state: AlarmState, reason: string, at = new Date()): void {
    const held = this.byName.get(name);
    if (!held) throw new Error(`no alarm ${name} is defined`);
    if (held.state !== state) this.remember(held, state, reason, at);
    Object.assign(held, { state, reason, updatedAt: at });
  }

  private remember(held: HeldAlarm, state: AlarmState, reason: string, at: Date): void {
    const data = { version: '1.0', oldState: { stateValue: held.state, stateReason: held.reason }, newState: { stateValue: state, stateReason: reason } };
    this.history.push({
      AlarmName: held.spec.name,
      AlarmType: 'MetricAlarm',
      Timestamp: at,
      HistoryItemType: 'StateUpdate',
      HistorySummary: `Alarm updated from ${held.state} to ${state}`,
      HistoryData: JSON.stringify(data),
    });
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
  }

  /** DescribeAlarmHistory: state changes, newest first unless asked otherwise, by alarm, type and time. */
  describeHistory(input: Record<string, unknown>) {
    const type = input.HistoryItemType as string | undefined;
    const from = input.StartDate === undefined ? -Infinity : Number(input.StartDate) * 1000;
    const to = input.EndDate === undefined ? Infinity : Number(input.EndDate) * 1000;
    const max = Number(input.MaxRecords ?? 100);
    if (!(Number.isInteger(max) && max >= 1 && max <= 100)) throw new ServiceError('InvalidParameterValueException', 'MaxRecords takes 1 to 100.');
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!(Number.isInteger(start) && start >= 0)) throw new ServiceError('InvalidNextToken', 'The NextToken is not valid.');
    const items = this.history
      .filter((item) => (input.AlarmName === undefined || item.AlarmName === input.AlarmName) && (!type || item.HistoryItemType === type))
      .filter((item) => item.Timestamp.getTime() >= from && item.Timestamp.getTime() <= to);
    if (input.ScanBy !== 'TimestampAscending') items.reverse();
    const page = items.slice(start, start + max).map((item) => ({ ...item, Timestamp: item.Timestamp.getTime() / 1000 }));
    return { AlarmHistoryItems: page, ...(start + max < items.length ? { NextToken: String(start + max) } : {}) };
  }

  stateOf(name: string): AlarmState | undefined {
    return this.byName.get(name)?.state;
  }

  /** DescribeAlarms: by names, or by name prefix, and state; metric alarms only (the template has no composite ones). */
  describe(input: Record<string, unknown>) {
    const names = input.AlarmNames as string[] | undefined;
    const prefix = input.AlarmNamePrefix as string | undefined;
    if (names && prefix) throw new ServiceError('InvalidParameterCombinationException', 'AlarmNames and AlarmNamePrefix cannot go together.');
    if (names && names.length > 100) throw new ServiceError('InvalidParameterValueException', 'AlarmNames takes at most 100 names.');
    const state = input.StateValue as string | undefined;
    const held = [...this.byName.values()]
      .filter(({ spec }) => (!names || names.includes(spec.name)) && (!prefix || spec.name.startsWith(prefix)))
      .filter((alarm) => !state || alarm.state === state)
      .sort((a, b) => a.spec.name.localeCompare(b.spec.name));
    return { MetricAlarms: held.map(describeAlarm), CompositeAlarms: [] };
  }
}

const dimensions = (byName: Record<string, string>) => Object.entries(byName).map(([Name, Value]) => ({ Name, Value }));

/** One alarm as DescribeAlarms answers it (epoch seconds, as the AWS JSON protocol carries timestamps). */
function describeAlarm({ spec, state, reason, updatedAt }: HeldAlarm) {
  const metric = spec.expression
    ? {
        Metrics: [
          ...spec.queries.map((q) => ({
            Id: q.id,
            ReturnData: false,
            MetricStat: { Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: dimensions(q.dimensions) }, Period: spec.periodSeconds, Stat: q.statistic },
          })),
          { Id: spec.expressionId ?? 'expression', Expression: spec.expression, ReturnData: true },
        ],
      }
    : {
        Namespace: spec.queries[0]!.namespace,
        MetricName: spec.queries[0]!.metricName,
        Dimensions: dimensions(spec.queries[0]!.dimensions),
        ...(/^p\d/.test(spec.queries[0]!.statistic) ? { ExtendedStatistic: spec.queries[0]!.statistic } : { Statistic: spec.queries[0]!.statistic }),
        Period: spec.periodSeconds,
      };
  return {
    AlarmName: spec.name,
    AlarmArn: `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:alarm:${spec.name}`,
    ...(spec.description && { AlarmDescription: spec.description }),
    ActionsEnabled: true,
    StateValue: state,
    StateReason: reason,
    StateUpdatedTimestamp: updatedAt.getTime() / 1000,
    ...metric,
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparison,
    TreatMissingData: spec.treatMissingData,
  };
}
