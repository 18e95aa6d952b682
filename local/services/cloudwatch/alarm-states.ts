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

export class LocalAlarms {
  private readonly byName = new Map<string, HeldAlarm>();

  /** Defines or redefines an alarm; a redefinition keeps the state, as PutMetricAlarm does. */
  define(spec: AlarmSpec): void {
    const held = this.byName.get(spec.name);
    if (held) held.spec = spec;
    else this.byName.set(spec.name, { spec, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: new Date() });
  }

  setState(name: string, state: AlarmState, reason: string, at = new Date()): void {
    const held = this.byName.get(name);
    if (!held) throw new Error(`no alarm ${name} is defined`);
    Object.assign(held, { state, reason, updatedAt: at });
  }

  stateOf(name: string): AlarmState | undefined {
    return this.byName.get(name)?.state;
  }

  /** DescribeAlarms: by names, or by name prefix, and state; metric alarms only (the template has no composite ones). */
  describe(input: Record<string, unknown>) {
    const names = input.AlarmNames as string[] | undefined;
    const prefix = input.AlarmNamePrefix as string | undefined;
    if (names && prefix) throw new ServiceError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot go together.');
    if (names && names.length > 100) throw new ServiceError('InvalidParameterValue', 'AlarmNames takes at most 100 names.');
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
