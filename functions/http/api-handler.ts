import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { recordRequest } from './metrics';
import { problemFor, problemResponse } from './responses';

export type ApiOperation = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export const logger = new Logger({ serviceName: 'company-api' });

/**
 * Wraps an operation for Lambda: builds it on first use (so importing a handler has no side effects),
 * tags logs with both request ids, and turns every error into its problem. Unexpected errors are logged
 * in full and reach the client only as a 500 with the request id.
 */
export function apiHandler(operationId: string, build: () => ApiOperation) {
  let operation: ApiOperation | undefined;
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const started = performance.now();
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    logger.addContext(context);
    logger.appendKeys({ operationId, requestId });
    let response: APIGatewayProxyResult;
    try {
      operation ??= build();
      response = await operation(event, context);
      // API Gateway's access log has every request already; this line is for POWERTOOLS_LOG_LEVEL=DEBUG.
      logger.debug('request served', { statusCode: response.statusCode });
    } catch (error) {
      const problem = problemFor(error, requestId);
      if (problem.status >= 500) logger.error('request failed', { statusCode: problem.status, error: error as Error });
      else logger.info('request refused', { statusCode: problem.status, problemType: problem.type });
      response = problemResponse(problem);
    }
    recordRequest(response.statusCode, performance.now() - started);
    return response;
  };
}
