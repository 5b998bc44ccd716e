import { HttpError, type Security } from '@platform/platform';
import type { Request } from 'express';
import { authStep } from './auth-step';
import type { SnackdrawerConfig } from './config';
import type { DenialReason, SnackdrawerMetrics } from './metrics';
import { hashPassword, verifyPassword } from './passwords';
import type { Repository, UserRow } from './repository';
import type { LoginThrottle } from './throttle';
import { createTokenVerifier, signToken, tokenKey } from './tokens';

const USER_CACHE_MS = 5_000;
const USER_CACHE_MAX = 10_000;
const BEARER = /^Bearer +([^\s]+) *$/i;

type Credentials = NonNullable<Awaited<ReturnType<Repository['findCredentials']>>>;

export function unauthenticated(message = 'Authentication required'): HttpError {
  return new HttpError(401, 'unauthenticated', message, null, { 'WWW-Authenticate': 'Bearer realm="snackdrawer"' });
}

export interface Authenticator {
  /**
   * The `snackdrawerJwt` security of an operation: 401 unless a valid token names an existing user, whose row
   * (role read from the database, never from the token) the handler receives; `role: 'admin'` adds the 403
   * check. `exempt` looks the user up without injected DB faults (the fault API).
   */
  security(role?: 'admin', options?: { exempt?: boolean }): Security<UserRow>;
  login(username: string, password: string): Promise<{ token: string; token_type: 'Bearer'; expires_in: number }>;
  hash(password: string): Promise<string>;
  /** Computes the dummy hash up front, so the first unknown-username login costs what a wrong password does. */
  prepare(): Promise<void>;
  denied(reason: DenialReason): void;
}

export function createAuthenticator(options: {
  config: SnackdrawerConfig;
  repository: Repository;
  exemptRepository: Repository;
  throttle: LoginThrottle;
  metrics: SnackdrawerMetrics;
}): Authenticator {
  const { config, repository, exemptRepository, throttle, metrics } = options;
  // A sub's user is looked up at most every 5 s per process: deleted users lose access within that.
  const users = new Map<number, { user: UserRow | undefined; until: number }>();
  const signingKey = tokenKey(config.jwtSecret);
  const verifyToken = createTokenVerifier(signingKey);
  let dummyHash: Promise<string> | undefined;

  const hash = (password: string) =>
    authStep(metrics, 'hash', async (span) => {
      const result = await hashPassword(password, config.scryptLog2N);
      span.setAttribute('snackdrawer.outcome', 'ok');
      return result;
    });

  async function lookUp(id: number, exempt: boolean): Promise<UserRow | undefined> {
    const now = Date.now();
    const cached = users.get(id);
    if (cached && cached.until > now) return cached.user;
    const user = await (exempt ? exemptRepository : repository).findUser(id);
    if (users.size >= USER_CACHE_MAX) users.clear();
    users.set(id, { user, until: now + USER_CACHE_MS });
    return user;
  }

  function presentedToken(req: Request): string | undefined {
    const authorization = req.headers.authorization;
    const accessToken = req.headers['x-access-token'];
    let bearer: string | undefined;
    if (authorization !== undefined) {
      bearer = BEARER.exec(authorization)?.[1] ?? '';
    }
    const seed = typeof accessToken === 'string' ? accessToken : undefined;
    if (bearer !== undefined && seed !== undefined && bearer !== seed) {
      throw new HttpError(400, 'bad_request', 'Authorization and x-access-token carry different tokens');
    }
    return bearer ?? seed;
  }

  async function authenticate(req: Request, exempt: boolean): Promise<UserRow> {
    const token = presentedToken(req);
    if (token === undefined) {
      metrics.denied('missing_token');
      throw unauthenticated();
    }
    const outcome = await authStep(metrics, 'validate', async (span) => {
      const verdict = await verifyToken(token);
      if (!verdict.ok) {
        span.setAttribute('snackdrawer.outcome', verdict.reason);
        return verdict.reason;
      }
      span.setAttribute('user.id', verdict.claims.userId);
      const user = await lookUp(verdict.claims.userId, exempt);
      span.setAttribute('snackdrawer.outcome', user ? 'ok' : 'unknown_user');
      return user ?? 'invalid_token';
    });
    if (typeof outcome === 'string') {
      metrics.denied(outcome);
      throw unauthenticated(outcome === 'expired_token' ? 'The token has expired' : 'The token is not valid');
    }
    return outcome;
  }

  /** The user if the password matches; an unknown username is checked against the dummy hash all the same. */
  async function checkCredentials(username: string, password: string): Promise<Credentials | undefined> {
    const credentials = await repository.findCredentials(username);
    dummyHash ??= hashPassword('not a password of anybody', config.scryptLog2N);
    const stored = credentials?.password_hash ?? (await dummyHash);
    const valid = await authStep(metrics, 'verify', async (span) => {
      const ok = (await verifyPassword(password, stored)) && credentials !== undefined;
      if (credentials) span.setAttribute('user.id', credentials.id);
      span.setAttribute('snackdrawer.outcome', ok ? 'ok' : 'bad_credentials');
      return ok;
    });
    return valid ? credentials : undefined;
  }

  return {
    hash,
    async prepare() {
      dummyHash ??= hashPassword('not a password of anybody', config.scryptLog2N);
      await dummyHash;
    },
    denied: (reason) => metrics.denied(reason),
    security(role, { exempt = false } = {}) {
      return {
        schemes: ['snackdrawerJwt'],
        async authenticate(req) {
          const user = await authenticate(req, exempt);
          if (role === 'admin' && user.role !== 'admin') {
            metrics.denied('not_admin');
            throw new HttpError(403, 'forbidden', 'This action needs the admin role');
          }
          return user;
        },
      };
    },
    async login(username, password) {
      const admission = await throttle.admit(username);
      if (!admission.admitted) {
        metrics.denied('rate_limited');
        throw new HttpError(429, 'rate_limited', 'Too many failed logins for this username; retry later', null, {
          'Retry-After': String(admission.retryAfterSeconds),
        });
      }
      const credentials = await checkCredentials(username, password).catch(async (error: unknown) => {
        await throttle.release(username);
        throw error;
      });
      if (!credentials) {
        metrics.denied('bad_credentials');
        throw unauthenticated('Username or password is incorrect');
      }
      await throttle.reset(username);
      const token = await authStep(metrics, 'sign', async (span) => {
        span.setAttribute('user.id', credentials.id);
        span.setAttribute('snackdrawer.outcome', 'ok');
        return signToken(await signingKey, { id: credentials.id, role: credentials.role }, config.tokenTtlSeconds);
      });
      return { token, token_type: 'Bearer', expires_in: config.tokenTtlSeconds };
    },
  };
}
