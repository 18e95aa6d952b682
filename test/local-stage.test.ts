import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../local/net';
import { apiClient } from './support/http';
import { ctrlC, javaOnPort, killStage, npmStart } from './support/npm-start';

/** `npm start` as a user runs it: a child process, real HTTP, Ctrl-C, and no Java process left behind. */

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'company-canary-stage-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the API, logs each request, and stops everything on Ctrl-C; --data-dir keeps the data', async () => {
    const port = await freePort();
    const first = await npmStart(port, ['--data-dir', dataDir]);
    expect(first.output()).toMatch(/POST\s+\/companies\s+→ CreateCompanyFunction:live/);
    expect(first.output()).toMatch(/GET\s+\/companies\/\{companyId\}\s+→ GetCompanyFunction:live/);
    expect(javaOnPort(first.dynamoPort)).toHaveLength(1);
    const call = apiClient(`http://127.0.0.1:${port}`);
    const created = await call('POST', '/companies', { json: { name: 'Persisted', employees: 7 } });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(first.output()).toContain(`POST /companies 201`);
    await ctrlC(first);

    const second = await npmStart(port, ['--data-dir', dataDir]);
    expect(second.output()).toMatch(/\(existing\)/);
    const read = await call('GET', `/companies/${created.body.companyId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    await killStage(second);
  }, 120_000);

  it('keeps data in memory by default: a restart starts empty', async () => {
    const port = await freePort();
    const started = await npmStart(port, ['--quiet']);
    expect(started.output()).toContain('in memory');
    const call = apiClient(`http://127.0.0.1:${port}`);
    expect((await call('POST', '/companies', { json: { name: 'Ephemeral', employees: 1 } })).status).toBe(201);
    expect((await call('GET', '/companies')).body.items).toHaveLength(1);
    await killStage(started);
  }, 120_000);
});
