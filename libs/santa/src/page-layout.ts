import type { Response } from 'express';
import { html, type SafeHtml } from './html';

const CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET = `
body { font-family: system-ui, sans-serif; margin: 0; background: #fbf7f2; color: #222; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem; }
h1 { color: #a4161a; }
section { background: #fff; border: 1px solid #e6ddd3; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
label { display: block; margin: .4rem 0; }
input[type=text], input[type=email], input[type=number], input[type=date], textarea, select { width: 100%; box-sizing: border-box; padding: .35rem; }
button { background: #a4161a; color: #fff; border: 0; border-radius: .3rem; padding: .4rem .9rem; cursor: pointer; }
form.inline { display: inline; }
.notice { background: #fff3cd; border: 1px solid #e0c36b; padding: .6rem; border-radius: .3rem; }
.errors { background: #fde2e1; border: 1px solid #e39a96; padding: .6rem; border-radius: .3rem; }
.warning { color: #8a4b00; }
code { word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #eee; padding: .3rem; text-align: left; }
`;

/** Every response under /santa/g/ carries a secret in its URL: it must not leak by Referer, caches or search engines. */
export function setCapabilityHeaders(res: Response): void {
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Robots-Tag', 'noindex');
}

export function sendPage(res: Response, status: number, title: string, body: SafeHtml, options: { capability?: boolean } = {}): void {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', CSP);
  if (options.capability) setCapabilityHeaders(res);
  res.send(
    html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Secret Santa</title><link rel="stylesheet" href="/santa/static/santa.css"></head>
<body><main>${body}</main></body></html>`.value,
  );
}

export function errorPage(res: Response, status: number, message: string, capability = false): void {
  sendPage(res, status, message, html`<h1>${message}</h1><p><a href="/santa/">Secret Santa home</a></p>`, { capability });
}
