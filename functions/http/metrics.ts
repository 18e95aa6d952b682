/**
 * Counts a 5xx answer in CloudWatch Embedded Metric Format: the log line itself becomes the metric, with
 * no API call on the request path. The dimensions match the Http5xx alarms in template.yaml, which watch
 * only the version being deployed.
 */
export const SERVER_ERROR_METRIC = { namespace: 'CompanyCanary', name: 'Http5xx' } as const;

export function recordServerError(): void {
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: SERVER_ERROR_METRIC.namespace,
          Dimensions: [['FunctionName', 'ExecutedVersion']],
          Metrics: [{ Name: SERVER_ERROR_METRIC.name, Unit: 'Count' }],
        },
      ],
    },
    FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    ExecutedVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    [SERVER_ERROR_METRIC.name]: 1,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
