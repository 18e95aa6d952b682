import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The floor of any design that puts HTTP in front of the SDK: a bare node:http server on loopback answering
 * POST /companies and GET /companies/{id} with the SDK called from the thread that serves HTTP (the bench's
 * own), no gateway, validation, Lambda environments or logs. What the API loses below it is the Lambda
 * model's cost; what this loses below raw is HTTP's.
 */
export async function startBareHttpServer(
  client: DynamoDBDocumentClient,
  tableName: string,
  putCompany: (fields: { name: string; employees: number }) => Promise<unknown>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const answer = (status: number, value: unknown) => {
        const body = JSON.stringify(value ?? { message: 'not found' });
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      };
      try {
        if (req.method === 'POST' && req.url === '/companies') return answer(201, await putCompany(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; employees: number }));
        const companyId = /^\/companies\/([^/]+)$/.exec(req.url ?? '')?.[1];
        if (req.method !== 'GET' || !companyId) return answer(404, undefined);
        const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { companyId }, ConsistentRead: true }));
        answer(Item ? 200 : 404, Item);
      } catch (error) {
        answer(500, { message: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
