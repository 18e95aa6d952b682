import { type CloudWatchLogsClient, paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';

/**
 * The latest line with this message about one deployment in a log group. This project's functions log in Lambda's
 * JSON format, so a JSON filter pattern finds their lines on one deployment.
 */
export async function lastLine(logs: CloudWatchLogsClient, logGroupName: string, message: string, deploymentId: string, since: Date) {
  const filterPattern = `{ ($.message = "${message}") && ($.deploymentId = "${deploymentId}") }`;
  let latest: { timestamp?: number; message?: string } | undefined;
  for await (const page of paginateFilterLogEvents({ client: logs }, { logGroupName, filterPattern, startTime: since.getTime() })) {
    for (const event of page.events ?? []) if (!latest || (event.timestamp ?? 0) >= (latest.timestamp ?? 0)) latest = event;
  }
  return latest?.message ? { at: new Date(latest.timestamp!).toISOString(), line: JSON.parse(latest.message) as Record<string, unknown> } : undefined;
}
