import { LocalEventBridge, matches } from '../local/services/eventbridge';

/** The local EventBridge's content filter and delivery, on events shaped as AWS sends them. */

const alarmEvent = {
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  detail: { alarmName: 'local-GetCompanyHttp5xxAlarm', state: { value: 'ALARM' }, previousState: { value: 'OK' } },
};

it('matches on every key of the pattern, values listed, objects nested', () => {
  const pattern = { source: ['aws.cloudwatch'], detail: { alarmName: ['local-GetCompanyHttp5xxAlarm', 'other'], state: { value: ['ALARM'] } } };
  expect(matches(pattern, alarmEvent)).toBe(true);
  expect(matches({ ...pattern, detail: { ...pattern.detail, state: { value: ['OK'] } } }, alarmEvent)).toBe(false);
  expect(matches({ source: ['aws.codedeploy'] }, alarmEvent)).toBe(false);
  expect(matches({ detail: { missing: ['x'] } }, alarmEvent)).toBe(false);
});

it('knows prefix, anything-but and exists', () => {
  expect(matches({ detail: { alarmName: [{ prefix: 'local-Get' }] } }, alarmEvent)).toBe(true);
  expect(matches({ detail: { alarmName: [{ prefix: 'local-List' }] } }, alarmEvent)).toBe(false);
  expect(matches({ detail: { state: { value: [{ 'anything-but': ['OK'] }] } } }, alarmEvent)).toBe(true);
  expect(matches({ detail: { previousState: [{ exists: true }], reason: [{ exists: false }] } }, alarmEvent)).toBe(true);
});

it('delivers a matching event to each rule target once, in the envelope AWS uses', async () => {
  const delivered: Array<[string, Record<string, unknown>]> = [];
  const bus = new LocalEventBridge(
    [
      { name: 'stopper', target: 'StopDeploymentFunction', pattern: { source: ['aws.cloudwatch'], detail: { state: { value: ['ALARM'] } } } },
      { name: 'judge', target: 'CanaryJudgeFunction', pattern: { source: ['aws.codedeploy'] } },
    ],
    async (target, event) => delivered.push([target, event as Record<string, unknown>]),
  );
  expect(bus.put({ source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change', detail: alarmEvent.detail })).toEqual(['StopDeploymentFunction']);
  expect(bus.put({ source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change', detail: { ...alarmEvent.detail, state: { value: 'OK' } } })).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(delivered).toHaveLength(1);
  expect(delivered[0]![1]).toMatchObject({ version: '0', source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: alarmEvent.detail });
  expect(delivered[0]![1].id).toMatch(/^[0-9a-f-]{36}$/);
});
