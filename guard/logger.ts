import { Logger } from '@aws-lambda-powertools/logger';

/** The deployment guard's log (the stopper's and the judge's): one structured line per decision. */
export const logger = new Logger({ serviceName: 'company-canary-guard' });
