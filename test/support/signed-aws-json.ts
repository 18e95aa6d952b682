import { SignatureV4 } from '@smithy/signature-v4';
import type { StageCredentials } from '../../local/credentials';
import { NodeSha256 } from '../../local/services/sigv4';
import { LOCAL_REGION } from '../../local/template/cloudformation';

/**
 * A client for an AWS JSON 1.1 service with no SDK package in the project (CloudWatch Logs): each request
 * signed with SigV4 as an SDK signs it, by the signer the SDKs use, and sent over real HTTP.
 */

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
