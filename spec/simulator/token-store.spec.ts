import { createTokenStore } from '../../lib/simulator/token-store.js';
import { sleep } from '../helpers/simulator-http.js';

describe('createTokenStore', () => {
  it('issues JWT-shaped access and refresh tokens that check as valid', () => {
    const store = createTokenStore();
    const { access, refresh } = store.issue('demo', 'client-1');
    expect(access.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(access.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ token_type: 'access', user_id: 'demo', client_uid: 'client-1' });
    expect(typeof claims['exp']).toBe('number');
    expect(store.check(access)).toBe('valid');
    expect(store.check(refresh)).toBe('invalid'); // a refresh token is not an access token
  });

  it('says expired once the lifetime has passed, and stays saying it', async () => {
    const store = createTokenStore({ accessTtlMs: 30 });
    const access = store.issueAccess('demo');
    expect(store.check(access)).toBe('valid');
    await sleep(40);
    expect(store.check(access)).toBe('expired');
    expect(store.check(access)).toBe('expired');
    expect(store.check(store.issueAccess('demo', 0))).toBe('expired');
  });

  it('refuses tokens it did not issue, including a forged signature', () => {
    const store = createTokenStore();
    const access = store.issueAccess('demo');
    expect(store.check('not-a-token')).toBe('invalid');
    expect(store.check(`${access.slice(0, -2)}xx`)).toBe('invalid');
    expect(createTokenStore().check(access)).toBe('invalid');
  });

  it('exchanges a valid refresh token for a new access token', async () => {
    const store = createTokenStore({ refreshTtlMs: 30 });
    const { access, refresh } = store.issue('demo');
    const fresh = store.refresh(refresh);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(access);
    expect(store.check(fresh ?? '')).toBe('valid');
    expect(store.refresh(access)).toBeUndefined();
    await sleep(40);
    expect(store.refresh(refresh)).toBeUndefined();
  });
});
