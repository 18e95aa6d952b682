import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { StageCredentials } from '../credentials';
import { awsQueryServer, QueryError } from './aws-query-protocol';

/**
 * Amazon SNS as far as CodeDeploy's triggers use it, over real HTTP in its Query protocol: the topics the
 * template's deployment groups name (given to the stack as a parameter: on AWS they live outside it), Publish to
 * them, ListTopics and GetTopicAttributes, in the shapes of the SNS API reference
 * (https://docs.aws.amazon.com/sns/latest/api/). SNS itself keeps no message: it delivers to subscribers. The
 * local topic has one subscriber, the stage: each message goes to `onPublish` (`npm start` prints it), and the
 * last MESSAGES_KEPT of each topic stay readable through `messages`.
 */
export interface Notification {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  at: Date;
}

/** Not AWS's: what the stage keeps of each topic, for a test or a person to read; older messages are dropped. */
export const MESSAGES_KEPT = 100;
/** "The maximum size is 256 KB (262,144 bytes)" for Message (Publish, SNS API reference). */
const MAX_MESSAGE_BYTES = 262_144;

export class LocalSns {
  private readonly received = new Map<string, Notification[]>();

  constructor(
    topicArns: string[],
    private readonly onPublish: (notification: Notification) => void = () => undefined,
  ) {
    for (const arn of topicArns) this.received.set(arn, []);
  }

  topics(): string[] {
    return [...this.received.keys()];
  }

  publish(topicArn: string, message: string, subject?: string): Notification {
    const kept = this.topic(topicArn);
    if (!message) throw new QueryError('InvalidParameter', 'Invalid parameter: Message is required');
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw new QueryError('InvalidParameter', `Invalid parameter: Message is longer than ${MAX_MESSAGE_BYTES} bytes`);
    const notification = { messageId: randomUUID(), topicArn, subject, message, at: new Date() };
    kept.push(notification);
    if (kept.length > MESSAGES_KEPT) kept.shift();
    this.onPublish(notification);
    return notification;
  }

  /** GetTopicAttributes' Attributes, as far as the stage knows them: Owner is the account of the topic's ARN. */
  attributes(topicArn: string): Map<string, string> {
    this.topic(topicArn);
    return new Map([['TopicArn', topicArn], ['Owner', topicArn.split(':')[4]!]]);
  }

  /** The last MESSAGES_KEPT messages published to the topic, oldest first. */
  messages(topicArn: string): readonly Notification[] {
    return [...this.topic(topicArn)];
  }

  private topic(topicArn: string): Notification[] {
    const kept = this.received.get(topicArn);
    // SNS's own answer to a topic that does not exist: NotFound, 404 (Publish, Errors).
    if (!kept) throw new QueryError('NotFound', 'Topic does not exist', 404);
    return kept;
  }
}

const required = (params: URLSearchParams, name: string): string => {
  const value = params.get(name);
  if (!value) throw new QueryError('InvalidParameter', `Invalid parameter: ${name} is required`);
  return value;
};

const ACTIONS = new Map<string, (sns: LocalSns, params: URLSearchParams) => unknown>([
  ['Publish', (sns, params) => ({ MessageId: sns.publish(required(params, 'TopicArn'), params.get('Message') ?? '', params.get('Subject') ?? undefined).messageId })],
  // One page: the stage has a topic per trigger target, far below a page of 100 (ListTopics, API reference).
  ['ListTopics', (sns) => ({ Topics: sns.topics().map((TopicArn) => ({ TopicArn })) })],
  ['GetTopicAttributes', (sns, params) => ({ Attributes: sns.attributes(required(params, 'TopicArn')) })],
]);

export function createSnsServer(sns: LocalSns, credentials: StageCredentials): Server {
  return awsQueryServer(
    {
      xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
      handle(action, params) {
        const served = ACTIONS.get(action);
        if (!served) throw new QueryError('InvalidAction', `The local SNS serves ${[...ACTIONS.keys()].join(', ')}, not ${action}`);
        return served(sns, params);
      },
    },
    credentials,
  );
}
