import { createHmac, randomBytes } from 'node:crypto';

/** The verdict on a bearer token. @internal */
export type TokenCheck = 'valid' | 'expired' | 'invalid';

/** A pair of tokens as `POST /api/token/` returns it. @internal */
export interface TokenPair {
  readonly access: string;
  readonly refresh: string;
}

/** Options of {@link createTokenStore}. @internal */
export interface TokenStoreOptions {
  /** Lifetime of access tokens in ms. @default 1_800_000 (30 minutes) */
  readonly accessTtlMs?: number;
  /** Lifetime of refresh tokens in ms. @default 86_400_000 (24 hours) */
  readonly refreshTtlMs?: number;
}

/**
 * Issues and checks the simulator's JWT-shaped tokens (HS256 over a per-process random key,
 * `exp` in seconds like SimpleJWT). Every token issued is remembered with its expiry, so a check
 * is a lookup: a token this store did not issue is `invalid`, one past its expiry `expired`.
 *
 * @internal
 * @example
 * ```ts
 * const store = createTokenStore({ accessTtlMs: 1000 })
 * const { access } = store.issue('demo')
 * store.check(access) // 'valid', and 'expired' a second later
 * ```
 */
export interface TokenStore {
  /** Issues an access and a refresh token for `user`. */
  issue(user: string, clientUid?: string): TokenPair;
  /** Issues a lone access token; `ttlMs` overrides the store's lifetime (0 gives an expired token). */
  issueAccess(user: string, ttlMs?: number): string;
  /** Exchanges a valid refresh token for a new access token, or `undefined`. */
  refresh(refreshToken: string): string | undefined;
  /** Checks an access token. */
  check(accessToken: string): TokenCheck;
}

interface Issued {
  readonly kind: 'access' | 'refresh';
  readonly user: string;
  readonly expiresAt: number;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * Creates a {@link TokenStore}. The store keeps at most 10 000 tokens (oldest forgotten first, so
 * a long-running simulator stays small; a forgotten token checks as `invalid`).
 *
 * @internal
 * @example
 * ```ts
 * const tokens = createTokenStore()
 * tokens.check(tokens.issueAccess('demo', 0)) // 'expired'
 * ```
 */
export function createTokenStore(options: TokenStoreOptions = {}): TokenStore {
  const accessTtlMs = options.accessTtlMs ?? 30 * 60_000;
  const refreshTtlMs = options.refreshTtlMs ?? 24 * 60 * 60_000;
  const key = randomBytes(32);
  const issued = new Map<string, Issued>();
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

  const mint = (kind: Issued['kind'], user: string, ttlMs: number, clientUid?: string): string => {
    const now = Date.now();
    const expiresAt = now + ttlMs;
    const claims: Record<string, unknown> = {
      token_type: kind,
      exp: Math.floor(expiresAt / 1000),
      iat: Math.floor(now / 1000),
      jti: randomBytes(16).toString('hex'),
      user_id: user,
    };
    if (clientUid !== undefined) claims['client_uid'] = clientUid;
    const unsigned = `${header}.${base64url(JSON.stringify(claims))}`;
    const token = `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
    if (issued.size >= 10_000) {
      const oldest = issued.keys().next();
      if (oldest.done !== true) issued.delete(oldest.value);
    }
    issued.set(token, { kind, user, expiresAt });
    return token;
  };

  const lookup = (token: string, kind: Issued['kind']): TokenCheck => {
    const entry = issued.get(token);
    if (entry === undefined || entry.kind !== kind) return 'invalid';
    return Date.now() >= entry.expiresAt ? 'expired' : 'valid';
  };

  return {
    issue(user, clientUid) {
      return { access: mint('access', user, accessTtlMs, clientUid), refresh: mint('refresh', user, refreshTtlMs, clientUid) };
    },
    issueAccess(user, ttlMs = accessTtlMs) {
      return mint('access', user, ttlMs);
    },
    refresh(refreshToken) {
      if (lookup(refreshToken, 'refresh') !== 'valid') return undefined;
      const entry = issued.get(refreshToken);
      return entry === undefined ? undefined : mint('access', entry.user, accessTtlMs);
    },
    check(accessToken) {
      return lookup(accessToken, 'access');
    },
  };
}
