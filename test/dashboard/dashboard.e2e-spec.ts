import type { Page } from 'playwright-core';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { BrowserHandle, launchBrowser, requireDashboardBuild, screenshot } from '../support/browser';
import { IssuanceStack, startIssuanceStack } from '../support/issuance-stack';
import { waitFor } from '../support/wait-for';

const ZONE = 'dash.fleet.test';
const TIME_ZONE = 'America/New_York';
const LOCALE = 'en-GB';

/**
 * The operator dashboard in a real browser (Debian's Chromium) against the whole product:
 * the API serving the built dashboard, Postgres, Redis, BIND9, Pebble and a worker process.
 * Each step saves a screenshot to test-artifacts/dashboard/, and no page may log an error.
 */
describe('Operator dashboard in Chromium', () => {
  let stack: IssuanceStack;
  let browser: BrowserHandle;
  let page: Page;
  let viewerKey: string;
  /** The device the tests create through the dashboard, and its token as the page showed it. */
  const device: { id?: string; hostname?: string; token?: string } = {};

  beforeAll(async () => {
    requireDashboardBuild();
    stack = await startIssuanceStack({
      zone: ZONE,
      fleet: 'dashboard',
      // The worker starts later, so that a request can be watched while it is still pending.
      worker: false,
      pebble: { validityPeriodSeconds: 160 * 3600, domainBlocklist: [`blocked.${ZONE}`] },
      // Let's Encrypt's limits, so that the rate-limit page has buckets to show.
      env: { FLEETCERT_RATE_LIMITS: 'letsencrypt' },
    });
    viewerKey = await stack.api.operatorKey('viewer');
    browser = await launchBrowser({ timezoneId: TIME_ZONE, locale: LOCALE });
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  afterEach(() => {
    expect(browser.takeConsoleErrors()).toEqual([]);
  });

  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  it('should sign in with an operator API key into an HttpOnly session', async () => {
    await page.goto(stack.api.url);
    await page.getByLabel('Operator API key').waitFor();
    await screenshot(page, '01-sign-in');

    await page.getByLabel('Operator API key').fill(stack.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Overview').waitFor();
    await page.getByText(/Signed in as/).waitFor();

    const cookies = await browser.context.cookies();
    const session = cookies.find((c) => c.name === 'fleetcert_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1/admin' });
    expect(session!.value).toMatch(/^fcs_/);
    // The key is gone from the page: not in any storage a script could read.
    const readable = await inPage<string[]>(
      page,
      '[document.cookie, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })]',
    );
    expect(readable.join(' ')).not.toContain(stack.admin);
    expect(readable.join(' ')).not.toContain(session!.value);
  });

  it('should show the overview with its counts and the issuance chart', async () => {
    await page.getByRole('heading', { name: 'Certificates', level: 2 }).waitFor();
    await page.getByRole('img', { name: /certificates issued/ }).waitFor();
    await screenshot(page, '02-overview');
  });

  it('should create a device and show its token once, with a copy button', async () => {
    await nav('Devices').click();
    await heading('Devices').waitFor();
    await page.getByRole('button', { name: 'Create device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a device' });
    await dialog.getByLabel('Identifier (optional)').fill('SN-DASH-0001');
    await dialog.getByLabel('Labels (optional)').fill('site=berlin\nmodel=nas-4');
    await screenshot(page, '03-create-device');
    await dialog.getByRole('button', { name: 'Create device' }).click();

    const created = page.getByRole('dialog', { name: 'Device created' });
    const tokenField = created.getByLabel('Device token');
    await tokenField.waitFor();
    device.token = await tokenField.inputValue();
    expect(device.token).toMatch(/^fcd_/);
    await created.getByRole('button', { name: 'Copy' }).click();
    await created.getByText('Copied to the clipboard.').waitFor();
    expect(await inPage(page, 'navigator.clipboard.readText()')).toBe(device.token);
    await screenshot(page, '04-device-token');

    // The token shown is the device's: the device API knows it by it.
    const me = await stack.api.request('GET', '/v1/device', { token: device.token });
    expect(me.status).toBe(200);
    device.hostname = me.body.hostname;
    await created.getByRole('button', { name: 'Done, token stored' }).click();
    await created.waitFor({ state: 'detached' });

    // Shown once: nowhere on the page any more.
    expect(await page.content()).not.toContain(device.token);
    await screenshot(page, '05-devices');
  });

  it('should find the device by a prefix of its identifier, from the keyboard', async () => {
    await page.locator('body').press('/');
    expect(await focused(page, 'id')).toBe('device-search');
    await page.keyboard.type('SN-DASH');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/devices\?q=SN-DASH$/);
    await waitFor(
      () => page.getByRole('row').count(),
      (n) => n === 2, // header and the one match
      { what: 'the search to narrow the list to one device' },
    );
    await page.getByRole('link', { name: device.hostname }).click();
    await heading(new RegExp(device.hostname!.replace(/\./g, '\\.'))).waitFor();
    device.id = page.url().split('/').pop();
  });

  it('should show a request go from pending to valid while the worker issues it, without a reload', async () => {
    // The overview in a second tab, to watch it follow along too.
    const overview = await browser.newPage();
    await overview.goto(stack.api.url);
    const validCount = overview.locator('section', {
      has: overview.getByRole('heading', { name: 'Certificates' }),
    });
    await validCount.getByText('Valid').waitFor();
    const expiringBefore = await statValue(overview, 'Certificates', 'Expiring in 7 days');

    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname!] });
    const submitted = await stack.api.request('POST', '/v1/certificates', {
      token: device.token,
      body: { csr },
    });
    expect(submitted.status).toBe(202);

    const requestRow = page.locator(`tr[data-request-id="${submitted.body.id}"]`);
    // The page notices within one poll (5 s while nothing is open; slower on a busy machine).
    await requestRow.locator('[data-status="pending"]').waitFor({ timeout: 30_000 });
    await screenshot(page, '06-device-pending');

    // A mark on the page's window survives anything but a reload.
    await inPage(page, 'window.fleetcertTestMark = true');
    const worker = await stack.startWorker();
    try {
      await requestRow.locator('[data-status="valid"]').waitFor({ timeout: 45_000 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- worker ---\n${worker.output().slice(-3000)}`, {
        cause: err,
      });
    }
    expect(await inPage(page, 'window.fleetcertTestMark')).toBe(true);

    // Its certificate: expiry in the viewer's time zone with a relative hint, and the renewal window.
    const certificates = page.locator('section', {
      has: page.getByRole('heading', { name: 'Certificates' }),
    });
    const certRow = certificates.locator('tbody tr').first();
    await certRow.waitFor();
    await certRow.locator('[data-status="expiring"]').waitFor(); // 160 hours: inside the 7-day mark
    const expiry = certRow.locator('time').first();
    const iso = (await expiry.getAttribute('datetime'))!;
    const local = new Intl.DateTimeFormat(LOCALE, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: TIME_ZONE,
    });
    expect(await expiry.textContent()).toBe(`${local.format(new Date(iso))} · in 7 days`);
    await expect(certRow.textContent()).resolves.toMatch(/renews in \d+ days?/);
    await screenshot(page, '08-device-valid');

    // The overview counted the new certificate by itself (other suites may add theirs).
    await waitFor(
      () => statValue(overview, 'Certificates', 'Expiring in 7 days'),
      (n) => n >= expiringBefore + 1,
      { what: 'the overview to show the new certificate', timeoutMs: 15_000 },
    );
    await screenshot(overview, '07-overview-live');
    await overview.close();
  }, 120_000);

  it('should rotate the token, force a renewal and revoke a certificate, each after confirmation', async () => {
    await page.getByRole('button', { name: 'Rotate token' }).click();
    await page
      .getByRole('dialog', { name: 'Rotate the device token?' })
      .getByRole('button', { name: 'Rotate token' })
      .click();
    const tokenField = page.getByRole('textbox', { name: 'Device token', exact: true });
    await tokenField.waitFor();
    const rotated = await tokenField.inputValue();
    expect(rotated).toMatch(/^fcd_/);
    expect((await stack.api.request('GET', '/v1/device', { token: device.token })).status).toBe(401);
    expect((await stack.api.request('GET', '/v1/device', { token: rotated })).status).toBe(200);
    device.token = rotated;
    await page.getByRole('button', { name: 'Done, token stored' }).click();

    await page.getByRole('button', { name: 'Force renewal' }).click();
    await page
      .getByRole('dialog', { name: 'Force a renewal?' })
      .getByRole('button', { name: 'Renew now' })
      .click();
    await page.getByText('Renewal requested: 1 certificate request queued.').waitFor();
    const requests = page.locator('[data-testid="requests-table"] tbody tr');
    await waitFor(
      () => requests.locator('[data-status="valid"]').count(),
      (n) => n === 2,
      { what: 'the renewal to be issued', timeoutMs: 45_000 },
    );
    await requests.first().getByText('renewal').waitFor();

    const certificates = page.locator('section', {
      has: page.getByRole('heading', { name: 'Certificates' }),
    });
    const newest = certificates.locator('tbody tr').first();
    const serial = (await newest.locator('td').first().textContent())!.replace(/\s/g, '');
    await newest.getByRole('button', { name: /Revoke certificate/ }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke this certificate?' });
    await revoke.getByLabel('Reason').selectOption('superseded');
    await screenshot(page, '09-confirm-revoke');
    await revoke.getByRole('button', { name: 'Revoke certificate' }).click();
    await page.getByText(/revoked \(superseded\)/).waitFor();
    await newest.locator('[data-status="revoked"]').waitFor();

    const audit = await stack.api.request('GET', '/v1/admin/audit?limit=20', { token: stack.admin });
    const actions = audit.body.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['device.rotate-token', 'device.renew', 'certificate.revoke']),
    );
    const revoked = await stack.api.request('GET', `/v1/admin/devices/${device.id}/certificates`, {
      token: stack.admin,
    });
    expect(revoked.body.items.find((c: { serial: string }) => c.serial === serial)).toMatchObject({
      state: 'revoked',
      revokedReason: 'superseded',
    });
  }, 90_000);

  it('should disable the device after confirmation, write an audit event, and refuse its token', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disable this device?' });
    await dialog.waitFor();
    // The safe choice has the focus; Escape would cancel.
    expect(await focused(page, 'textContent')).toBe('Cancel');
    await screenshot(page, '10-confirm-disable');
    await dialog.getByRole('button', { name: 'Disable device' }).click();
    await page.getByText('Device disabled').waitFor();
    await heading(/disabled/).waitFor();

    const refused = await stack.api.request('GET', '/v1/device', { token: device.token });
    expect(refused.status).toBe(403);
    const audit = await stack.api.request('GET', `/v1/admin/audit?targetType=device&targetId=${device.id}`, {
      token: stack.admin,
    });
    expect(audit.body[0]).toMatchObject({ action: 'device.disable', actorType: 'operator' });
    // The page's activity list says who did it.
    await page
      .locator('section', { has: page.getByRole('heading', { name: 'Operator activity' }) })
      .getByText('device.disable')
      .waitFor();
    await screenshot(page, '11-device-disabled');
  });

  it('should show failures grouped by error type with the CA detail', async () => {
    const blocked = await stack.api.request('POST', '/v1/admin/devices', {
      token: stack.admin,
      body: { label: 'blocked' },
    });
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [blocked.body.hostname] });
    const submitted = await stack.api.request('POST', '/v1/certificates', {
      token: blocked.body.token,
      body: { csr },
    });
    await waitFor(
      () => stack.api.request('GET', `/v1/certificates/${submitted.body.id}`, { token: blocked.body.token }),
      (r) => r.body.status === 'failed',
      { what: 'the blocked request to fail', timeoutMs: 30_000 },
    );
    await nav('Failures').click();
    await heading('Failures').waitFor();
    const group = page.locator('section', { has: page.getByRole('heading', { name: /rejectedIdentifier/ }) });
    await group.getByRole('link', { name: blocked.body.hostname }).waitFor();
    await expect(group.textContent()).resolves.toContain('blocked');
    await screenshot(page, '12-failures');
  });

  it('should show the queue, rate limits and audit log pages', async () => {
    await nav('Queue').click();
    await heading('Queue').waitFor();
    await page.getByRole('heading', { name: 'Jobs by state' }).waitFor();
    await screenshot(page, '13-queue');

    await nav('Rate limits').click();
    await heading('Rate limits').waitFor();
    await page.getByRole('heading', { name: 'Buckets' }).waitFor();
    // The account's order bucket, one order spent by each issuance above.
    await page
      .getByRole('cell', { name: /New orders per account/ })
      .first()
      .waitFor();
    await screenshot(page, '14-rate-limits');

    // The ACME account under the limits, and its key rolled over after confirmation.
    const account = page.locator('section', {
      has: page.getByRole('heading', { name: 'ACME account', level: 2 }),
    });
    const before = await stack.api.request('GET', '/v1/admin/acme-account', { token: stack.admin });
    await account.getByText(before.body.thumbprint, { exact: true }).waitFor();
    await account.getByRole('button', { name: 'Roll key over…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Roll the account key over?' });
    await screenshot(page, '14b-confirm-key-rollover');
    await confirm.getByRole('button', { name: 'Roll key over' }).click();
    await account.getByText(/now uses the key/).waitFor();
    const after = await stack.api.request('GET', '/v1/admin/acme-account', { token: stack.admin });
    expect(after.body.thumbprint).not.toBe(before.body.thumbprint);
    await account.getByText(after.body.thumbprint, { exact: true }).waitFor();

    await nav('Audit log').click();
    await heading('Audit log').waitFor();
    await page.getByRole('cell', { name: 'device.disable' }).first().waitFor();
    await screenshot(page, '15-audit');
  });

  it('should move through the page from the keyboard: skip link, then the content', async () => {
    await page.reload();
    await heading('Audit log').waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page, 'textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await focused(page, 'id')).toBe('main');
  });

  it('should sign out, and refuse a viewer every action', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator API key').waitFor();
    expect((await browser.context.cookies()).map((c) => c.name)).toEqual([]);

    await page.goto(`${stack.api.url}/devices/${device.id}`);
    await page.getByLabel('Operator API key').fill(viewerKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(/disabled/).waitFor(); // back on the page the viewer asked for
    await page.getByText('Read-only').waitFor();
    for (const name of ['Enable', 'Rotate token', 'Force renewal']) {
      await expect(page.getByRole('button', { name }).isDisabled()).resolves.toBe(true);
    }
    await page.getByText('Actions need the admin role').waitFor();
    await screenshot(page, '16-viewer');

    // The server refuses the viewer's session too, whatever the page offers.
    const forced = await page.request.post(`${stack.api.url}/v1/admin/devices/${device.id}/enable`, {
      headers: { 'x-requested-with': 'fleetcert-dashboard' },
    });
    expect(forced.status()).toBe(403);
    expect((await forced.json()).message).toBe('This action needs the admin role');
    const after = await stack.api.request('GET', `/v1/admin/devices/${device.id}`, { token: stack.admin });
    expect(after.body.status).toBe('disabled');

    await nav('Rate limits').click();
    const roll = page.getByRole('button', { name: 'Roll key over…' });
    await roll.waitFor();
    await expect(roll.isDisabled()).resolves.toBe(true);
    await page.getByText('Rolling the key over needs the admin role').waitFor();
  });
});

/** Evaluates `expression` in the page (browser globals are not part of this program's types). */
function inPage<T = unknown>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** A property of the element that has the keyboard focus. */
function focused(page: Page, property: 'id' | 'textContent'): Promise<string | undefined> {
  return inPage(page, `document.activeElement?.${property}`);
}

/** The number a stat card of a panel shows, e.g. ('Certificates', 'Valid'). */
async function statValue(page: Page, panel: string, label: string): Promise<number> {
  const section = page.locator('section', { has: page.getByRole('heading', { name: panel, level: 2 }) });
  const stat = section.locator('.stat', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });
  const text = await stat.locator('.stat-value').textContent();
  return Number((text ?? '').replace(/[^\d]/g, ''));
}
