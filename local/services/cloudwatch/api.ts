import type { Server } from 'node:http';
import type { StageCredentials } from '../../credentials';
import { awsJsonServer, ServiceError } from '../aws-json-protocol';
import type { LocalAlarms } from './alarm-states';
import { type CloudWatchTime, getMetricData } from './get-metric-data';
import type { LocalCloudWatch } from './metrics';
import { getMetricStatistics, listMetrics } from './metric-reads';
import { putMetricData } from './put-metric-data';

/**
 * CloudWatch over real HTTP, in the AWS JSON 1.0 protocol the SDK's CloudWatch client speaks, so that the
 * guard and the hooks run unchanged through AWS_ENDPOINT_URL_CLOUDWATCH: GetMetricData (the canary judge),
 * PutMetricData (the invocation-outcomes publisher), DescribeAlarms (the final bake), and what an operator reads
 * besides (GetMetricStatistics, ListMetrics, DescribeAlarmHistory).
 */
export function createCloudWatchServer(metrics: LocalCloudWatch, alarms: LocalAlarms, time: () => CloudWatchTime, credentials: StageCredentials): Server {
  return awsJsonServer(
    {
      contentType: 'application/x-amz-json-1.0',
      targetPrefix: 'GraniteServiceVersion20100801.',
      // CloudWatch's Query codes for the errors served here, from its API model's awsQueryError traits.
      queryErrorCodes: {
        InvalidParameterValueException: 'InvalidParameterValue',
        InvalidParameterCombinationException: 'InvalidParameterCombination',
        MissingRequiredParameterException: 'MissingParameter',
        ResourceNotFound: 'ResourceNotFound',
        InvalidNextToken: 'InvalidNextToken',
        InternalFailure: 'InternalServiceError',
      },
      handle(operation, input) {
        switch (operation) {
          case 'GetMetricData':
            return getMetricData(metrics, time(), input);
          case 'PutMetricData':
            return putMetricData(metrics, input);
          case 'DescribeAlarms':
            return alarms.describe(input);
          case 'DescribeAlarmHistory':
            return alarms.describeHistory(input);
          case 'ListMetrics':
            return listMetrics(metrics, input);
          case 'GetMetricStatistics':
            return getMetricStatistics(metrics, time(), input);
          default:
            throw new ServiceError(
              'UnknownOperationException',
              `The local CloudWatch serves GetMetricData, GetMetricStatistics, ListMetrics, PutMetricData, DescribeAlarms and DescribeAlarmHistory, not ${operation}`,
            );
        }
      },
    },
    credentials,
  );
}
