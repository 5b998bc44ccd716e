import type { Request, Response } from 'express';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `/`: links to every mounted module prefix and the platform endpoints; JSON when the client asks for it. */
export function homePage(title: string, moduleNames: string[]): (input: unknown, req: Request, res: Response) => void {
  const links = {
    modules: moduleNames.map((name) => ({ name, href: `/${name}` })),
    docs: '/docs',
    openapi: '/openapi.json',
    metrics: '/metrics',
  };
  const item = (href: string, label: string) => `<li><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></li>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
<h2>Modules</h2><ul>
${links.modules.map((m) => item(m.href, m.href)).join('\n')}
</ul>
<h2>Platform</h2><ul>
${item(links.docs, 'API reference (/docs)')}
${item(links.openapi, 'OpenAPI document (/openapi.json)')}
${item(links.metrics, 'Prometheus metrics (/metrics)')}
</ul></body></html>`;
  return (_input, req, res) => {
    res.vary('Accept');
    if (req.accepts(['html', 'json']) === 'json') {
      res.json(links);
      return;
    }
    res.setHeader('Content-Security-Policy', "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.type('html').send(html);
  };
}
