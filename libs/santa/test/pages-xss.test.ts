import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { launchChromium, startTestApp, waitFor, type TestApp } from '@platform/platform/testing';
import type { Browser, BrowserContext, Page, Response as PageResponse } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSantaModule } from '../src';
import { call, createGroup, draw, join } from './helpers';

// The callbacks handed to page.evaluate run in Chromium; this project compiles without the DOM types.
declare const document: any;
declare const location: any;

const CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Each payload calls the exposed `__xss` binding with its label if it ever runs, so a failure names the field. */
const xss = {
  script: (label: string) => `<script>__xss('${label}')</script>`,
  img: (label: string) => `<img src=x onerror=__xss('${label}')>`,
  svg: (label: string) => `"><svg onload=__xss('${label}')>`,
  quote: (label: string) => `'><img src=x onerror=__xss('${label}')>`,
  title: (label: string) => `</title><script>__xss('${label}')</script>`,
  textarea: (label: string) => `</textarea><script>__xss('${label}')</script>`,
  js: (label: string) => `javascript:__xss('${label}')`,
};

/**
 * What the page shows (title, text, form values as rendered: number and date inputs blank an invalid `value`
 * attribute, so read the attribute) and anything that could only come from injected markup.
 */
const probePage = () => ({
  shown: [document.title, document.body.innerText, ...Array.from(document.querySelectorAll('input, textarea, select'), (el: any) => el.getAttribute('value') ?? el.value)].join('\n'),
  activeElements: document.querySelectorAll('script, img, svg, iframe, object, embed, base, meta[http-equiv]').length,
  handlers: Array.from(document.querySelectorAll('*')).flatMap((el: any) => el.getAttributeNames().filter((name: string) => name.startsWith('on'))),
  badSchemes: Array.from(document.querySelectorAll('[href], [src], [action]'), (el: any) => new URL(el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action'), location.href).protocol).filter(
    (scheme: string) => scheme !== 'http:' && scheme !== 'https:',
  ),
});

let app: TestApp;
let browser: Browser;
let smtp: Server;
beforeAll(async () => {
  // An SMTP server whose greeting carries a payload: its words end up in the admin page's "last error" column.
  smtp = createServer((socket) => socket.end(`554 ${xss.img('smtp')} go away\r\n`));
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpUrl = `smtp://127.0.0.1:${(smtp.address() as AddressInfo).port}`;
  app = await startTestApp({ modules: [createSantaModule], env: { SMTP_URL: smtpUrl, SANTA_EMAIL_ATTEMPTS: '1' } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await new Promise((resolve) => smtp?.close(resolve));
});

const executed: string[] = [];
const dialogs: string[] = [];

/**
 * A browser that ignores the pages' CSP, so that escaping alone has to keep every payload inert;
 * the CSP header, the second layer, is asserted on every response instead.
 */
async function openContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ bypassCSP: true });
  await context.exposeFunction('__xss', (label: string) => executed.push(label));
  context.on('page', (page) =>
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    }),
  );
  return context;
}

async function expectInert(page: Page, response: PageResponse | null, status: number, literal: string[]): Promise<void> {
  expect(response?.status()).toBe(status);
  expect(response?.headers()['content-security-policy']).toBe(CSP);
  const { shown, ...injected } = await page.evaluate(probePage);
  for (const text of literal) expect(shown).toContain(text);
  expect(injected).toEqual({ activeElements: 0, handlers: [], badSchemes: [] });
}

/** Submits a page form with raw values, past the browser's own input checks, as a hand-made POST would. */
async function submitRaw(page: Page, formSelector: string, values: Record<string, string>): Promise<PageResponse | null> {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.$eval(
      formSelector,
      (form: any, fields: Record<string, string>) => {
        for (const [name, value] of Object.entries(fields)) {
          const input = form.elements.namedItem(name);
          input.type = 'text';
          input.value = value;
        }
        form.submit();
      },
      values,
    ),
  ]);
  return response;
}

it('renders every user text field of every page literally, and nothing in them runs', async () => {
  const context = await openContext();
  const page = await context.newPage();

  // Landing page: a refused form comes back with every entered value.
  await page.goto(`${app.baseUrl}/santa/`);
  const landing = {
    name: xss.title('landing-name'),
    admin_name: xss.svg('landing-admin'),
    admin_email: xss.svg('landing-email'),
    budget_amount: xss.img('landing-amount'),
    budget_currency: xss.quote('landing-currency'),
    exchange_date: xss.script('landing-date'),
  };
  await expectInert(page, await submitRaw(page, 'form[action="/santa/"]', landing), 422, Object.values(landing));

  const groupName = `${xss.title('group')}${xss.svg('group')}`;
  const admin = { name: xss.svg('admin'), email: `"><svg/onload=__xss('email')>@x.test` };
  const group = await createGroup(app, { name: groupName, admin_name: admin.name, admin_email: admin.email });

  // Join page, then a refused join that echoes what was typed.
  const joinResponse = await page.goto(`${app.baseUrl}/santa/join/${group.inviteCode}`);
  await expectInert(page, joinResponse, 200, [groupName, `Join “${groupName}”`]);
  const refusedJoin = { name: xss.textarea('join-name'), email: xss.quote('join-email') };
  await expectInert(page, await submitRaw(page, 'form', refusedJoin), 422, Object.values(refusedJoin));

  const cyEmail = `'><img/src=x/onerror=__xss('email2')>@x.test`;
  const people = [
    { id: group.admin.id, token: group.admin.token, name: admin.name, email: admin.email },
    { ...(await join(app, group, xss.script('bob'))), email: null },
    { ...(await join(app, group, xss.img('cy'), cyEmail)), email: cyEmail },
    { ...(await join(app, group, xss.quote('dee'))), email: null },
    { ...(await join(app, group, xss.textarea('eve'))), email: null },
  ];
  const names = people.map((p) => p.name);
  const wishlists = new Map(
    people.map((p, i) => [
      p.id,
      [
        { text: xss.img(`wish-${i}`), url: `https://example.test/"><script>__xss('url-${i}')</script>?q='x' onmouseover='__xss(1)` },
        { text: xss.js(`wish-js-${i}`) },
        { text: xss.textarea(`wish-ta-${i}`) },
      ],
    ]),
  );
  for (const p of people) {
    expect((await call(app, `/groups/${group.id}/wishlist`, p.token, { method: 'PUT', json: { items: wishlists.get(p.id) } })).status).toBe(200);
  }
  const jsUrl = await call(app, `/groups/${group.id}/wishlist`, people[1]!.token, { method: 'PUT', json: { items: [{ text: 'x', url: xss.js('href') }] } });
  expect(jsUrl.status).toBe(422);

  // A failed draw: its reason names a member and shows on the admin page until a draw succeeds.
  const [, bob, ...others] = people;
  const exclusions = [];
  for (const receiver of [people[0]!, ...others]) {
    const created = await call(app, `/groups/${group.id}/exclusions`, group.admin.token, { method: 'POST', json: { giver_id: bob!.id, receiver_id: receiver.id } });
    expect(created.status).toBe(201);
    exclusions.push(created.body.created[0].id as string);
  }
  expect((await draw(app, group)).status).toBe(422);
  const adminUrl = `${app.baseUrl}/santa/g/${group.admin.token}/admin`;
  await expectInert(page, await page.goto(adminUrl), 200, [
    groupName,
    ...names,
    `Last draw failed: ${bob!.name} cannot give to anyone`,
    `${bob!.name} does not give to ${others[0]!.name}`,
  ]);
  for (const id of exclusions.slice(1)) expect((await call(app, `/groups/${group.id}/exclusions/${id}`, group.admin.token, { method: 'DELETE' })).status).toBe(204);
  expect((await draw(app, group)).status).toBe(201);

  const messages = new Map<string, string[]>();
  for (const [i, p] of people.entries()) {
    const toGiftee = xss.script(`to-giftee-${i}`);
    const toSanta = xss.title(`to-santa-${i}`);
    for (const [to, text] of [['giftee', toGiftee], ['santa', toSanta]] as const) {
      expect((await call(app, `/groups/${group.id}/messages`, p.token, { method: 'POST', json: { to, text } })).status).toBe(201);
    }
    messages.set(p.id, [toGiftee, toSanta]);
  }
  expect((await call(app, `/groups/${group.id}/draws/current/reveal`, group.admin.token, { method: 'POST' })).status).toBe(200);

  // Every member page, as its member: giftee, wishlist links, both threads, santa, own editors.
  for (const p of people) {
    const { body } = await call(app, `/groups/${group.id}/assignment`, p.token);
    const { giftee, santa } = body as { giftee: { id: string; name: string }; santa: { id: string; name: string } };
    const gifteeWishes = wishlists.get(giftee.id)!;
    const ownWishes = wishlists.get(p.id)!;
    await expectInert(page, await page.goto(`${app.baseUrl}/santa/g/${p.token}`), 200, [
      groupName,
      `Hello ${p.name}.`,
      ...names,
      `You give a present to ${giftee.name}.`,
      `Your santa was ${santa.name}.`,
      ...gifteeWishes.map((w) => w.text),
      ...(p.email ? [p.email] : []),
      ...ownWishes.map((w) => ('url' in w ? `${w.text} ${w.url}` : w.text)),
      messages.get(p.id)![0]!,
      messages.get(giftee.id)![1]!,
      messages.get(p.id)![1]!,
      messages.get(santa.id)![0]!,
    ]);
    expect(await page.locator('#giftee-wishlist a').getAttribute('href')).toBe(gifteeWishes[0]!.url);
    expect(await page.inputValue('form[action$="/me"] input[name=name]')).toBe(p.name);
    expect(await page.inputValue('form[action$="/me"] input[name=email]')).toBe(p.email ?? '');
  }

  // The admin page once the outbox has given up on every e-mail (the SMTP server refuses them all).
  await waitFor(
    async () => {
      const { body } = await call(app, `/groups/${group.id}/emails`, group.admin.token);
      return body.emails.length > 0 && body.emails.every((e: { status: string }) => e.status === 'failed');
    },
    { what: 'every e-mail failed' },
  );
  await expectInert(page, await page.goto(adminUrl), 200, [groupName, ...names, `${bob!.name} does not give to ${people[0]!.name}`, xss.img('smtp')]);
  expect(await page.inputValue('form[action$="/settings"] input[name=name]')).toBe(groupName);

  expect(executed).toEqual([]);
  expect(dialogs).toEqual([]);
  await context.close();
}, 60_000);
