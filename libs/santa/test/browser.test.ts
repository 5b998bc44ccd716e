import { launchChromium, startTestApp, type TestApp } from '@platform/platform/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSantaModule } from '../src';

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  app = await startTestApp({ modules: [createSantaModule] });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

it('creates a group on the landing page, three people join in their own browsers, the admin draws, every page shows a giftee', async () => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const dialogs: string[] = [];
  admin.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await admin.goto(`${app.baseUrl}/santa/`);
  await admin.fill('input[name=name]', 'Browser <b>party</b>');
  await admin.fill('input[name=admin_name]', 'Ann');
  await admin.fill('input[name=budget_amount]', '15');
  await admin.fill('input[name=budget_currency]', 'EUR');
  await admin.click('button[type=submit]');
  await admin.waitForURL(/\/santa\/g\/[A-Za-z0-9_-]{43}\/admin$/);
  expect(await admin.textContent('h1')).toBe('Browser <b>party</b>');
  const inviteUrl = (await admin.textContent('#invite-url'))!.replace(/^https?:\/\/[^/]+/, app.baseUrl);

  const names = ['Bob', 'Cy', '<script>alert("x")</script>'];
  const pages = [];
  for (const name of names) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(inviteUrl);
    expect(await page.textContent('h1')).toContain('Browser <b>party</b>');
    await page.fill('input[name=name]', name);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/santa\/g\/[A-Za-z0-9_-]{43}$/);
    expect(await page.textContent('#draw-status')).toContain('not drawn');
    pages.push(page);
  }

  await admin.reload();
  expect(await admin.textContent('#member-table')).toContain('<script>alert("x")</script>');
  await admin.click('#draw');
  await admin.waitForURL(/notice=drawn$/);

  const giftees = [];
  for (const page of [admin, ...pages]) {
    if (page === admin) await page.goto(page.url().replace(/\/admin\?notice=drawn$/, ''));
    else await page.reload();
    const giftee = await page.textContent('#giftee');
    expect(giftee).toBeTruthy();
    giftees.push(giftee);
  }
  expect(new Set(giftees).size).toBe(4);
  expect(giftees).toContain('<script>alert("x")</script>');
  const members = await pages[0]!.textContent('#members');
  expect(members).toContain('<script>alert("x")</script>');
  expect(dialogs).toEqual([]);
}, 120_000);
