import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(source, { filePath: `${root}/${file}` });
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (lint)', () => {
  it('a domain library importing another domain library fails lint', async () => {
    const errors = await boundaryErrors('libs/eye/src/leak.ts', "import { createSantaModule } from '@platform/santa';\nexport const leak = createSantaModule;\n");
    expect(errors.join('\n')).toMatch(/type:domain.*can only depend on libs tagged with "type:kernel"/);
  });

  it('a domain library importing the gateway fails lint', async () => {
    const errors = await boundaryErrors('libs/messy/src/leak.ts', "import { createApp } from '@platform/gateway';\nexport const leak = createApp;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('a domain library importing the kernel is fine', async () => {
    const errors = await boundaryErrors('libs/santa/src/ok.ts', "import { HttpError } from '@platform/platform';\nexport const ok = HttpError;\n");
    expect(errors).toEqual([]);
  });
});
