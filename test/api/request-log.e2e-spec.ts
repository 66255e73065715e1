import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { OperatorsService } from '../../apps/api/src/admin/api-keys/operators.service';
import { testConfig } from '../support/config';
import { waitFor } from '../support/wait-for';
import { capturedLogger } from '../support/captured-log';

/** The access log: one line per request, at info, with its request id and never a credential. */
describe('Request logging', () => {
  // The production logger's settings (level info, redaction), writing here instead of stdout.
  const { logger, lines } = capturedLogger();
  let app: NestFastifyApplication;
  let url: string;
  let adminKey: string;

  beforeAll(async () => {
    app = await createApiApp(
      testConfig({ FLEETCERT_FLEET_NAME: 'request-log', FLEETCERT_FLEET_ZONE: 'log.fleet.test' }),
      logger,
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const name = `request-log-${process.pid}-${Date.now().toString(36)}`;
    adminKey = (await app.get(OperatorsService).createOperator({ kind: 'system' }, name, 'admin')).apiKey.key;
  });
  afterAll(() => app.close());

  const linesOf = (requestId: string) => lines.filter((l) => l.reqId === requestId);

  it('should write exactly one line per request, when it completes, with method, path, status and duration', async () => {
    const res = await fetch(`${url}/v1/admin/devices?limit=5`, {
      headers: { authorization: `Bearer ${adminKey}`, 'x-request-id': 'log-one-line' },
    });
    expect(res.status).toBe(200);

    const [line] = await waitFor(
      async () => linesOf('log-one-line'),
      (found) => found.length > 0,
      { what: 'the access log line' },
    );
    expect(linesOf('log-one-line')).toHaveLength(1);
    expect(line).toMatchObject({
      level: 30,
      service: 'api',
      msg: 'request completed',
      req: { method: 'GET', url: '/v1/admin/devices?limit=5', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
    });
    expect(typeof line.responseTime).toBe('number');
  });

  it('should log refused requests too, and never the credential that came with them', async () => {
    const token = `fcd_${'b'.repeat(12)}_${'s'.repeat(43)}`;
    const res = await fetch(`${url}/v1/device`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-refused' },
    });
    expect(res.status).toBe(401);

    const [line] = await waitFor(
      async () => linesOf('log-refused'),
      (found) => found.length > 0,
      { what: 'the access log line' },
    );
    expect(line).toMatchObject({ res: { statusCode: 401 }, req: { method: 'GET', url: '/v1/device' } });
    expect(JSON.stringify(lines)).not.toContain('s'.repeat(43));
    expect(JSON.stringify(lines)).not.toContain(adminKey);
  });

  it('should never log a token sent in the URL', async () => {
    const res = await fetch(`${url}/v1/admin/devices?limit=1&access_token=${adminKey}`, {
      headers: { 'x-request-id': 'log-url-token' },
    });
    expect(res.status).toBe(400);

    const [line] = await waitFor(
      async () => linesOf('log-url-token'),
      (found) => found.length > 0,
      { what: 'the access log line' },
    );
    // The secret is everything after `fco_<prefix>_`; it is base64url, so it may itself hold
    // underscores (splitting on '_' once gave a one-character fragment found in the log line).
    const secret = adminKey.slice(adminKey.indexOf('_', 'fco_'.length) + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(line)).not.toContain(secret);
    expect(line).toMatchObject({ req: { url: '/v1/admin/devices?limit=1&access_token=[redacted]' } });
  });
});
