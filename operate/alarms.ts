import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';

/** Each named alarm's state, in the order given; MISSING for one CloudWatch does not know. */
export async function alarmStates(cloudwatch: CloudWatchClient, names: string[]): Promise<Array<{ name: string; state: string }>> {
  if (names.length === 0) return [];
  // A deployment group lists 10 alarms at most, and DescribeAlarms takes 100 names: one call.
  const { MetricAlarms = [], CompositeAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
  const states = new Map([...MetricAlarms, ...CompositeAlarms].map((a) => [a.AlarmName!, a.StateValue ?? 'INSUFFICIENT_DATA']));
  return names.map((name) => ({ name, state: states.get(name) ?? 'MISSING' }));
}
