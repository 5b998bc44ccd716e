import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessyModule } from '../src';

describe('messy module', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createMessyModule] });
  });
  afterAll(() => app.close());

  it('is mounted under /messy and answers unknown paths with the error body', async () => {
    const response = await app.request('/messy/no-such-path');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String), details: null } });
  });
});
