/**
 * A gateway process for the chaos test, with the ROLE semantics of apps/gateway/src/main.ts:
 * ROLE=api serves HTTP, ROLE=worker runs the workers. Prints `READY <port>` once it can be used.
 * With CHAOS_STANDBY=1 it loads and migrates, prints `STANDBY`, and starts only when a line arrives on
 * stdin: a warm replacement, so that a SIGKILLed worker is restarted in milliseconds on a loaded machine.
 */
import type { AddressInfo } from 'node:net';
import { createHttpApp, createPlatform, loadConfig } from '@platform/platform';
import { createMessyModule } from '../../src';

const config = loadConfig(process.env);
const platform = createPlatform(config);
const modules = platform.createModules([createMessyModule]);
await platform.migrate(modules);
if (process.env.CHAOS_STANDBY === '1') {
  process.stdout.write('STANDBY\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
}
for (const module of modules) await module.start?.();
if (config.ROLE !== 'api') await platform.startWorkers(modules);
let port = 0;
const server =
  config.ROLE === 'worker'
    ? undefined
    : await new Promise<ReturnType<ReturnType<typeof createHttpApp>['listen']>>((resolve) => {
        const listening = createHttpApp(platform, modules).listen(config.PORT, '127.0.0.1', () => resolve(listening));
      });
if (server) port = (server.address() as AddressInfo).port;
process.stdout.write(`READY ${port}\n`);

process.once('SIGTERM', () => {
  server?.closeAllConnections();
  server?.close();
  void platform.close(modules).finally(() => process.exit(0));
});
