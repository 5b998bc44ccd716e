// First step of `npm start` and `npm test`: one clear line when the Node running them is older than the project's.
// `npm ci` installs Node 24 from the npm registry for linux-x64, linux-arm64, darwin-x64 and darwin-arm64
// (optionalDependencies) and npm puts it first on every script's PATH; elsewhere the machine's own Node runs.
import { readFileSync } from 'node:fs';

const wanted = readFileSync(new URL('../../.nvmrc', import.meta.url), 'utf8').trim();
const running = process.versions.node;
if (Number(running.split('.')[0]) < Number(wanted)) {
  console.error(
    `Node ${wanted} or newer is needed, but this is Node ${running} (${process.platform}-${process.arch}): run through npm after npm ci, which brings Node ${wanted} for linux-x64/arm64 and darwin-x64/arm64; elsewhere install Node ${wanted} LTS (nvm install) and run the command again.`,
  );
  process.exit(1);
}
