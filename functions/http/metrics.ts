import { MetricResolution, Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * What each version of a function did, published per invocation with Powertools Metrics in Embedded Metric
 * Format (the log line becomes the metric; no API call on the request path), at 1-second resolution so that
 * 10-second alarms and the canary judge can read them: requests, 5xx answers and latency, by FunctionName and
 * ExecutedVersion, the dimensions the alarms in template.yaml name.
 */
export const VERSION_METRICS = { namespace: 'CompanyCanary', requests: 'Requests', serverErrors: 'Http5xx', latency: 'Latency' } as const;

const metrics = new Metrics({ namespace: VERSION_METRICS.namespace });
// Powertools adds a `service` dimension by default; the alarms and the judge read exactly these two.
metrics.clearDefaultDimensions();
metrics.setDefaultDimensions({
  FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'unknown',
  ExecutedVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? 'unknown',
});

export function recordRequest(statusCode: number, latencyMs: number): void {
  metrics.addMetric(VERSION_METRICS.requests, MetricUnit.Count, 1, MetricResolution.High);
  metrics.addMetric(VERSION_METRICS.serverErrors, MetricUnit.Count, statusCode >= 500 ? 1 : 0, MetricResolution.High);
  metrics.addMetric(VERSION_METRICS.latency, MetricUnit.Milliseconds, latencyMs, MetricResolution.High);
  metrics.publishStoredMetrics();
}
