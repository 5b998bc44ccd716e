import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSantaModule } from '../src';

describe('santa module', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createSantaModule] });
  });
  afterAll(() => app.close());

  it('is mounted under /santa and answers unknown paths with the error body', async () => {
    const response = await app.request('/santa/no-such-path');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String), details: null } });
  });
});
