import { createHash } from 'node:crypto';
import { redisKey, type PlatformConfig, type Redis } from '@platform/platform';

const WINDOW_MS = 60_000;
const LIMIT = 10;
/**
 * Counts a login attempt before its password is checked, in one step, so concurrent guesses cannot all pass
 * a read-then-check: at the limit it answers the window's remaining ms as a negative number, else the new
 * count. The window starts at the first counted attempt: the expiry is set only when the counter is created.
 */
const ADMIT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then ttl = tonumber(ARGV[1]) end
  return -ttl
end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;
/** Gives back an attempt that never reached the password check (e.g. the credentials lookup failed). */
const RELEASE = `if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end return 0`;

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/**
 * Per-username login throttle in Redis (shared by every gateway process). Every attempt is counted as a
 * failure up front; a successful one then clears the counter, so only failures remain counted.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly config: Pick<PlatformConfig, 'REDIS_PREFIX'>,
  ) {}

  private key(username: string): string {
    // Usernames may hold any punctuation: hash them into a fixed-shape key.
    return redisKey(this.config, 'snackdrawer', 'login-failures', createHash('sha256').update(username).digest('base64url'));
  }

  /** Counts one attempt unless the username is blocked; a blocked one gets the whole seconds left (1–60). */
  async admit(username: string): Promise<Admission> {
    const answer = Number(await this.redis.eval(ADMIT, 1, this.key(username), WINDOW_MS, LIMIT));
    if (answer > 0) return { admitted: true };
    return { admitted: false, retryAfterSeconds: Math.min(60, Math.max(1, Math.ceil(-answer / 1000))) };
  }

  async release(username: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(username));
  }

  async reset(username: string): Promise<void> {
    await this.redis.del(this.key(username));
  }
}
