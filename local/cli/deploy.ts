/**
 * `npm run deploy:local`: rehearses `sam deploy` on a local stage. Every function whose bundle changed is
 * deployed as template.yaml says — PreTraffic hook, canary shift, alarms on the new version, PostTraffic
 * hook, with the stopper and the canary judge — under steady traffic, and rolled back as CodeDeploy would.
 * Exit code 0 when deployed.
 *   --traffic <rps>               requests per AWS second while deploying (default 20; 0 for none, though
 *                                 alarms and judge then judge nothing); the stage serves rps × time scale
 *   --time-scale <n>              run intervals and alarm periods n times faster (default 1: real minutes)
 *   --from <git-ref>              take the current version from a ref instead of what the stage serves
 *   --alarm-timing aws|instant    alarms on AWS's clock (default), or every 100 ms with no delay
 *   --alarm-poll <s>              how often CodeDeploy reads the alarms (default 60; AWS does not say)
 *   --lambda-metric-delay <s>     when a period's AWS/Lambda datapoint arrives after it ends (default 60)
 *   --emf-metric-delay <s>        when a period's EMF datapoint arrives after it ends (default 5)
 *   --log-subscription-delay <s>  when a log subscription delivers Lambda's records (default 5)
 *   --put-metric-data-delay <s>   when alarms see what PutMetricData sent (default 2)
 * With `npm start` running, the rehearsal runs on that stage, whose aliases serve the current version and
 * keep the outcome. Otherwise it starts a stage of its own, on what the last such rehearsal deployed
 * (kept in .local/deployed), else on HEAD.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { describeFunction } from '../deploy/outcome';
import { progressPrinter } from '../deploy/progress';
import { rehearse } from '../deploy/rehearsal';
import { renderReportHtml } from '../deploy/report-html';
import { alarmTiming } from '../services/cloudwatch/aws-timing';
import { requestRehearsal, runningStage } from '../running-stage';
import { ROOT } from '../template/cloudformation';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      traffic: { type: 'string', default: '20' },
      'time-scale': { type: 'string', default: '1' },
      from: { type: 'string' },
      'alarm-timing': { type: 'string' },
      'alarm-poll': { type: 'string' },
      'lambda-metric-delay': { type: 'string' },
      'emf-metric-delay': { type: 'string' },
      'log-subscription-delay': { type: 'string' },
      'put-metric-data-delay': { type: 'string' },
    },
  });
  const trafficRps = Number(values.traffic);
  const timeScale = Number(values['time-scale']);
  if (!(trafficRps >= 0) || !(timeScale > 0)) throw new Error('--traffic takes requests per second (0 or more), --time-scale a positive number');
  const timing = alarmTiming({
    mode: values['alarm-timing'],
    alarmPollSeconds: values['alarm-poll'],
    lambdaMetricDelaySeconds: values['lambda-metric-delay'],
    emfMetricDelaySeconds: values['emf-metric-delay'],
    logSubscriptionDelaySeconds: values['log-subscription-delay'],
    putMetricDataDelaySeconds: values['put-metric-data-delay'],
  });
  const onProgress = progressPrinter();
  const running = values.from ? undefined : runningStage();
  if (running) console.log(`rehearsing on the running local stage (${running.url}, pid ${running.pid})`);
  const { report, reportDir } = running
    ? await requestRehearsal(running, { trafficRps, timeScale, alarmTiming: timing }, { message: (line) => console.log(line), progress: (update) => onProgress(update as Parameters<typeof onProgress>[0]) })
    : await rehearse({
        sourceRoot: ROOT,
        from: values.from ? { ref: values.from } : undefined,
        stateDir: join(ROOT, '.local', 'deployed'),
        reportsDir: join(ROOT, '.local', 'deployments'),
        trafficRps,
        timeScale,
        alarmTiming: timing,
        onProgress,
        onMessage: (line) => console.log(line),
      });
  writeFileSync(join(reportDir, 'report.html'), renderReportHtml(report));
  console.log(`\n${report.outcome}`);
  for (const fn of report.functions) console.log(describeFunction(fn).map((line, i) => `${i === 0 ? '  ' : '    '}${line}`).join('\n'));
  console.log(`report: ${relative(process.cwd(), join(reportDir, 'report.html'))}`);
  return report.outcome === 'RolledBack' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`deploy:local failed: ${error.message}`);
    process.exit(2);
  },
);
