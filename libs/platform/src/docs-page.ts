type Operation = { summary?: string; parameters?: unknown[]; requestBody?: unknown; responses?: Record<string, unknown> };
type Document = { info?: { title?: string; version?: string }; paths?: Record<string, Record<string, Operation>> };

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A self-contained API reference (no scripts, no CDN) rendered from the OpenAPI document. */
export function renderDocsPage(document: Document): string {
  const title = escapeHtml(`${document.info?.title ?? 'API'} ${document.info?.version ?? ''}`.trim());
  const sections = Object.entries(document.paths ?? {})
    .flatMap(([path, item]) =>
      Object.entries(item).map(
        ([method, op]) => `<section class="op">
  <h2><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>
  <p>${escapeHtml(op.summary ?? '')}</p>
  ${block('Parameters', op.parameters)}${block('Request body', op.requestBody)}${block('Responses', op.responses)}
</section>`,
      ),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
.op{border-top:1px solid #ddd;padding:.5rem 0}.method{display:inline-block;min-width:4.5rem;font-weight:600}
.get{color:#1565c0}.post{color:#2e7d32}.put,.patch{color:#ef6c00}.delete{color:#c62828}
details pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:13px}</style></head>
<body><h1>${title}</h1><p>Machine-readable document: <a href="/openapi.json">/openapi.json</a></p>
${sections}
</body></html>`;
}

function block(label: string, value: unknown): string {
  if (value === undefined) return '';
  return `<details><summary>${label}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`;
}
