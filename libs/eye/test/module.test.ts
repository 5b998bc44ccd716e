import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEyeModule } from '../src';

describe('eye module', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEyeModule] });
  });
  afterAll(() => app.close());

  it('is mounted under /eye and answers unknown paths with the error body', async () => {
    const response = await app.request('/eye/no-such-path');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String), details: null } });
  });
});
