import { randomUUID } from 'node:crypto';
import type { StageCredentials } from '../../credentials';
import { listenOnLoopback } from '../../net';
import { awsJsonServer, ServiceError } from '../aws-json-protocol';
import { loadStateMachines } from './state-machines';
import { SyncExecutions, type SyncExecutionOptions, type SyncExecutionOutput } from './sync-execution';

/**
 * Step Functions over real HTTP in the service's own AWS JSON 1.0 protocol, running the template's state
 * machines, so SDK clients pointed at it run them unchanged. Only StartSyncExecution is served: the
 * synchronous start of Express workflows. StartSyncExecution's AWS host is `sync-states.<region>…`, so an
 * SDK client given this endpoint needs `disableHostPrefix: true`.
 */

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:]+$/;
/** 1 to 80 characters, none of them white space, brackets, wildcards, control characters or "#%\^|~`$&,;:/. */
// eslint-disable-next-line no-control-regex
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export interface StepFunctionsServerOptions {
  /** The local API that apigateway:invoke tasks reach, such as http://127.0.0.1:3000. */
  apiUrl: string;
  /** Only requests signed with these are served. */
  credentials: StageCredentials;
  /** 0 or none: a free port. */
  port?: number;
  retryIntervalOverrideMs?: SyncExecutionOptions['retryIntervalOverrideMs'];
  log?: (line: string) => void;
}

export interface StepFunctionsServer {
  endpoint: string;
  stop(): Promise<void>;
}

function parseJson(text: string, error: ServiceError): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw error;
  }
}

export async function startStepFunctionsServer(options: StepFunctionsServerOptions): Promise<StepFunctionsServer> {
  const { machines, api } = loadStateMachines();
  const executions = new Map(
    machines.map((spec) => [spec.arn, new SyncExecutions(spec, { api, apiUrl: options.apiUrl, retryIntervalOverrideMs: options.retryIntervalOverrideMs })]),
  );

  function startSyncExecution(request: Record<string, unknown>): Promise<SyncExecutionOutput> {
    const { stateMachineArn, input = '{}', name = randomUUID() } = request;
    if (typeof stateMachineArn !== 'string') {
      throw new ServiceError('ValidationException', "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null");
    }
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new ServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    const machine = executions.get(stateMachineArn);
    if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (machine.spec.type !== 'EXPRESS') throw new ServiceError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    if (typeof name !== 'string' || !EXECUTION_NAME.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
    if (typeof input !== 'string') throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input must be a string of JSON');
    parseJson(input, new ServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${input}' is not JSON`));
    return machine.run(name, input);
  }

  const server = awsJsonServer(
    {
      contentType: 'application/x-amz-json-1.0',
      targetPrefix: 'AWSStepFunctions.',
      async handle(operation, request) {
        if (operation !== 'StartSyncExecution') {
          throw new ServiceError('UnknownOperationException', `The local Step Functions serves StartSyncExecution only, not ${operation}`);
        }
        const execution = await startSyncExecution(request);
        options.log?.(`StartSyncExecution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}` : ''}`);
        return execution;
      },
      onInternalError: (error) => options.log?.(`StartSyncExecution failed locally: ${error.stack ?? String(error)}`),
    },
    options.credentials,
  );
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    stop: async () => {
      for (const machine of executions.values()) machine.abortAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
