import { LambdaClient } from '@aws-sdk/client-lambda';
import { requiredEnv } from '../functions/config';
import { checksByOperation } from './checks/operation-checks';
import { fixtures } from './checks/fixtures';
import { probe } from './checks/target-probe';
import { type Decide, lifecycleHook } from './lifecycle';

/**
 * PreTraffic: before a new version takes any traffic, invoke that version directly with its operation's
 * checks. Test companies are made and removed through the live aliases, which still serve the old code.
 */
const lambda = new LambdaClient({});

export const checkTargetVersion: Decide = async (target, signal) => {
  const operationByFunction = JSON.parse(requiredEnv('OPERATION_BY_FUNCTION')) as Record<string, string>;
  const operation = operationByFunction[target.functionName];
  const checks = operation ? checksByOperation[operation] : undefined;
  if (!checks) return { status: 'Failed', evidence: { reason: `no checks for function ${target.functionName}` } };
  // Clean-up runs after an abort too, so it gets a signal of its own.
  const cleanupSignal = new AbortController().signal;
  const data = fixtures(probe(lambda, requiredEnv('CREATE_FUNCTION'), undefined, cleanupSignal), probe(lambda, requiredEnv('DELETE_FUNCTION'), undefined, cleanupSignal));
  const outcome = await checks(data.tracking(probe(lambda, target.functionName, target.targetVersion, signal)), data).then(
    (results) => ({ results }),
    (error: Error) => ({ error }),
  );
  const leftovers = await data.cleanup();
  if ('error' in outcome) throw outcome.error;
  const failed = outcome.results.filter((r) => !r.passed);
  const passed = failed.length === 0 && leftovers.length === 0;
  return { status: passed ? 'Succeeded' : 'Failed', evidence: { operation, passed: outcome.results.length - failed.length, failed, leftovers } };
};

export const handler = lifecycleHook('PreTraffic', checkTargetVersion);
