import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, TestApi } from '../support/api';
import { requireDashboardBuild } from '../support/browser';
import { testConfig } from '../support/config';

describe('The API serving the built dashboard at /', () => {
  let api: TestApi;

  beforeAll(async () => {
    requireDashboardBuild();
    api = await startTestApi(
      testConfig({ FLEETCERT_FLEET_NAME: 'assets', FLEETCERT_FLEET_ZONE: 'assets.fleet.test' }),
    );
  });
  afterAll(() => api.close());

  it('should answer / and every client-side route with the page, under a strict CSP', async () => {
    for (const path of [
      '/',
      '/devices',
      '/devices/3b6f524b-0000-4000-8000-000000000000',
      '/audit?before=12',
    ]) {
      const res = await fetch(api.url + path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const html = await res.text();
      expect(html).toContain('<div id="root"></div>');
      // Nothing inline for the CSP to refuse, nothing from another origin.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('should serve the hashed assets the page names, cached for a year', async () => {
    const html = await (await fetch(api.url)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(api.url + asset);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = assets.find((a) => a.endsWith('.js'))!;
    expect((await fetch(api.url + js)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('should keep the JSON 404 for unknown API paths and missing assets', async () => {
    for (const path of ['/v1/admin/nope', '/v1', '/assets/missing.js', '/health/nope']) {
      const res = await api.request('GET', path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
    // The API itself is untouched.
    expect((await api.request('GET', '/health')).status).toBe(200);
    expect((await api.request('GET', '/docs/openapi.json')).status).toBe(200);
  });

  it('should start without a built dashboard and serve the API as before', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'fleetcert-no-dashboard-'));
    const bare = await startTestApi(
      testConfig({
        FLEETCERT_FLEET_NAME: 'assets',
        FLEETCERT_FLEET_ZONE: 'assets.fleet.test',
        FLEETCERT_DASHBOARD_DIR: empty,
      }),
    );
    try {
      expect((await bare.request('GET', '/')).status).toBe(404);
      expect((await bare.request('GET', '/health')).status).toBe(200);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
