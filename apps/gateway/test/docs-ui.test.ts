import { launchChromium, startTestApp, type TestApp } from '@platform/platform/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';

// Chromium parses Swagger UI's 1.4 MB bundle and renders every operation: 10-25 s on a loaded 2-core host.
const BROWSER_TEST_TIMEOUT_MS = 120_000;

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  app = await startTestApp({ modules: moduleFactories });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Everything the page fetched from elsewhere and everything it complained about (CSP violations included). */
function watch(page: Page) {
  const foreignRequests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(`${app.baseUrl}/`) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  return { foreignRequests, errors };
}

it('/docs renders every operation of /openapi.json grouped by module, from this origin only, under its CSP', async () => {
  const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  const expected = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  const page = await browser.newPage();
  const seen = watch(page);
  await page.goto(`${app.baseUrl}/docs`);
  await page.locator('.opblock').first().waitFor();

  const methods = await page.locator('.opblock .opblock-summary-method').allTextContents();
  const paths = await page.locator('.opblock [data-path]').evaluateAll((nodes: { getAttribute(name: string): string | null }[]) =>
    nodes.map((node) => node.getAttribute('data-path')),
  );
  expect(methods.map((method, i) => `${method} ${paths[i]}`).sort()).toEqual(expected.sort());
  const tags = await page.locator('.opblock-tag').allTextContents();
  for (const module of app.modules) expect(tags.some((tag) => tag.startsWith(module.name)), module.name).toBe(true);

  await page.screenshot({ path: '/tmp/docs-ui.png', fullPage: true });
  expect(seen.foreignRequests).toEqual([]);
  expect(seen.errors).toEqual([]);
  await page.close();
}, BROWSER_TEST_TIMEOUT_MS);

it('Authorize with a snackdrawer JWT, Try it out, Execute: the UI shows the 200 and the caller’s drawers', async () => {
  const credentials = { username: 'docs-reader', password: 'a long enough password' };
  expect((await app.request('/snackdrawer/auth/users', { json: credentials })).status).toBe(201);
  const { token } = await (await app.request('/snackdrawer/auth/login', { json: credentials })).json();
  const created = await app.request('/snackdrawer/drawers', { json: { name: 'Desk' }, headers: { authorization: `Bearer ${token}` } });
  const { drawer } = await created.json();

  const page = await browser.newPage();
  const seen = watch(page);
  await page.goto(`${app.baseUrl}/docs`);
  await page.locator('.auth-wrapper button.authorize').click();
  const scheme = page.locator('.modal-ux .auth-container', { hasText: 'snackdrawerJwt' });
  await scheme.locator('input').fill(token);
  await scheme.locator('button.authorize').click();
  await expect.poll(() => scheme.locator('h6', { hasText: 'Authorized' }).count()).toBe(1);
  await page.locator('.modal-ux button.btn-done').first().click();

  const operation = page.locator('.opblock.opblock-get', { has: page.locator('[data-path="/snackdrawer/drawers"]') });
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('button.execute').click();
  const response = operation.locator('.live-responses-table tr.response');
  await response.waitFor();
  expect(await response.locator('.response-col_status').textContent()).toBe('200');
  const body = await response.locator('.response-col_description pre.microlight').first().textContent();
  expect(JSON.parse(body!)).toEqual({ drawers: [{ id: drawer.id, name: 'Desk' }] });
  expect(await operation.locator('.curl-command').textContent()).toContain(`Authorization: Bearer ${token}`);

  await operation.screenshot({ path: '/tmp/docs-ui-try-it-out.png' });
  expect(seen.foreignRequests).toEqual([]);
  expect(seen.errors).toEqual([]);
  await page.close();
}, BROWSER_TEST_TIMEOUT_MS);
