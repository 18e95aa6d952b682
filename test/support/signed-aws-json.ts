import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { StageCredentials } from '../../local/credentials';
import { LOCAL_REGION } from '../../local/template/cloudformation';

/**
 * A client for an AWS JSON 1.1 service with no SDK package in the project (CloudWatch Logs): each request
 * signed with SigV4 as an SDK signs it, by the signer the SDKs use, and sent over real HTTP.
 */

class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBufferView): void {
    this.hash.update(data as string);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface AwsJsonAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export function signedAwsJsonClient(endpoint: string, credentials: StageCredentials, service: string, targetPrefix: string) {
  const signer = new SignatureV4({ credentials, region: LOCAL_REGION, service, sha256: NodeSha256 });
  const url = new URL(endpoint);
  return async (operation: string, input: Record<string, unknown>): Promise<AwsJsonAnswer> => {
    const body = JSON.stringify(input);
    const request = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${targetPrefix}.${operation}` },
      body,
    });
    const response = await fetch(endpoint, { method: 'POST', headers: request.headers, body });
    return { status: response.status, body: await response.json() };
  };
}
