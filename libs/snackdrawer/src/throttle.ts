import { createHash } from 'node:crypto';
import { redisKey, type PlatformConfig, type Redis } from '@platform/platform';

const WINDOW_MS = 60_000;
const LIMIT = 10;
// The window starts at the first failure: the expiry is set only when the counter is created.
const RECORD_FAILURE = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

/** Failed-login counter per username in Redis (shared by every gateway process). */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly config: Pick<PlatformConfig, 'REDIS_PREFIX'>,
  ) {}

  private key(username: string): string {
    // Usernames may hold any punctuation: hash them into a fixed-shape key.
    return redisKey(this.config, 'snackdrawer', 'login-failures', createHash('sha256').update(username).digest('base64url'));
  }

  /** Seconds until the window ends while the username is blocked, else undefined. */
  async blockedFor(username: string): Promise<number | undefined> {
    const key = this.key(username);
    const [[, count], [, ttl]] = (await this.redis.multi().get(key).pttl(key).exec()) as [[unknown, string | null], [unknown, number]];
    if (count === null || Number(count) < LIMIT) return undefined;
    const remainingMs = ttl > 0 ? ttl : WINDOW_MS;
    return Math.min(60, Math.max(1, Math.ceil(remainingMs / 1000)));
  }

  async recordFailure(username: string): Promise<void> {
    await this.redis.eval(RECORD_FAILURE, 1, this.key(username), WINDOW_MS);
  }

  async reset(username: string): Promise<void> {
    await this.redis.del(this.key(username));
  }
}
