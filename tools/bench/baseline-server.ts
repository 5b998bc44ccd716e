// The same-run baseline: the cheapest HTTP answer Node can give on this machine, run as its own process.
// A scenario's ratio is its figure divided by this server's req/s under the same load settings.
import { createServer } from 'node:http';

const BODY = JSON.stringify({ status: 'ok' });
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BODY) });
  res.end(BODY);
});
server.listen(port, host);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
