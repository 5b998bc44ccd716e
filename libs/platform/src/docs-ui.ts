import { createRequire } from 'node:module';
import type { Express, Request, Response } from 'express';

/*
 * /docs is Swagger UI, served from the installed swagger-ui-dist package (no CDN). Chosen over Redoc and Scalar
 * because it has Authorize and "Try it out" built in (a reader calls the API from the reference, on this same
 * origin, with their own token) and its dist package runs with no network at all.
 */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

// Exactly what Swagger UI needs (apps/gateway/test/docs-ui.test.ts fails on any violation): its stylesheet's icons
// are data: URLs; React sets inline styles through the CSSOM, which style-src 'self' does not block.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// A file of our own rather than an inline script, so the CSP needs no 'unsafe-inline' for scripts. Try it out calls
// the gateway that serves this page (the document's `servers` name PUBLIC_URL, which a local or proxied reader may
// not reach). validatorUrl null: the default validator badge would call validator.swagger.io.
const INIT_SCRIPT = `fetch('/openapi.json')
  .then((response) => response.json())
  .then((spec) => {
    const here = window.location.origin;
    spec.servers = [{ url: here, description: 'This gateway' }, ...(spec.servers || []).filter((server) => server.url !== here)];
    SwaggerUIBundle({ spec, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });
  });
`;

const require = createRequire(import.meta.url);
const { version } = require('swagger-ui-dist/package.json') as { version: string };
// The package version in the URL lets browsers keep the assets for a year: an upgrade changes the URL.
const ASSETS_PATH = `/docs/assets/${version}`;

/** The handler of the `/docs` operation: the page that loads Swagger UI and `/docs/init.js`. */
export function docsPage(): (input: unknown, req: Request, res: Response) => void {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;
  return (_input, _req, res) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.type('html').send(page);
  };
}

/** Mounts `/docs/init.js` and the UI's assets, resolved in node_modules once at start. */
export function serveDocsAssets(app: Express): void {
  app.get('/docs/init.js', (_req, res) => {
    res.type('text/javascript').send(INIT_SCRIPT);
  });
  for (const file of ASSETS) {
    const absolutePath = require.resolve(`swagger-ui-dist/${file}`);
    app.get(`${ASSETS_PATH}/${file}`, (_req, res) => {
      res.sendFile(absolutePath, { maxAge: '365d', immutable: true });
    });
  }
}
