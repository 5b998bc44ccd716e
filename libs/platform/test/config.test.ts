import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig, parseEnv } from '../src';

describe('configuration', () => {
  it('defaults reach the local Postgres and Redis', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe(DEFAULT_DATABASE_URL);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.PORT).toBe(3000);
    expect(config.ROLE).toBe('all');
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
  });

  it('an empty variable means the default', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it('a bad value stops with one line naming every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ROLE: 'boss', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/PORT: /);
    expect(message).toMatch(/ROLE: /);
    expect(message).toMatch(/DATABASE_URL: /);
  });

  it('modules parse their own variables with the same one-line errors', () => {
    const schema = z.object({ SANTA_MAX_MEMBERS: z.coerce.number().int().positive().default(100) });
    expect(parseEnv(schema, {}).SANTA_MAX_MEMBERS).toBe(100);
    expect(() => parseEnv(schema, { SANTA_MAX_MEMBERS: '-1' })).toThrow(/^Invalid configuration: SANTA_MAX_MEMBERS: /);
  });
});
