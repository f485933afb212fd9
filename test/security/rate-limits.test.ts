import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { clientAddress, createRateLimits, defaultLimits } from '../../gateway/limits/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Rate limits (issue 11, item 8): per actor (issuer, subject) by cost points, per client address,
 * and refused tokens per address before any audit write. Over a limit: HTTP 429, Retry-After and
 * RATE_LIMITED with retryAfter; audited once per burst, not once per request.
 */
describe('rate limits', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway({
      households: 10,
      limits: { cost: { max: 20 }, rate: { actor: { points: 30, perSeconds: 600 }, address: { points: 150, perSeconds: 600 }, unauthenticated: { points: 5, perSeconds: 600 }, inFlightPerActor: 4 } },
    });
  });
  afterAll(async () => t?.close());

  const events = () => readEvents(t.gateway.store, { limit: 10_000 });
  const post = (token: string | undefined, query = '{ me { id } }') =>
    fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });

  it('refuses bad tokens past the per-address limit with 429, auditing each refusal up to the limit and the burst once', async () => {
    const before = await events();
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 25; i++) {
      const response = await post(`not-a-token-${i}`);
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
      else await response.text();
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited!.json()) as { errors: { message: string; extensions: { code: string; retryAfter: number } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(body.errors[0]!.message).toMatch(/invalid token.*Retry after \d+ second/);
    const added = (await events()).slice(before.length);
    expect(added.filter((e) => e.operation === 'authenticate')).toHaveLength(5);
    expect(added.filter((e) => e.operation === 'rateLimit')).toEqual([expect.objectContaining({ outcome: 'refused', outcomeCode: 'RATE_LIMITED', actor: null })]);
  });

  it('limits each actor by cost points: over the budget is 429 with Retry-After, audited once per burst; another actor is still served', async () => {
    const token = await t.token({ sub: 'busy-researcher' });
    const before = (await events()).length;
    const statuses: number[] = [];
    let limited: Response | undefined;
    // `me` costs one point; the budget is 30.
    for (let i = 0; i < 40; i++) {
      const response = await post(token);
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
      else await response.text();
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited!.json()) as { errors: { extensions: { code: string; retryAfter: number; limit: string } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'actor', retryAfter: expect.any(Number) });
    const added = (await events()).slice(before);
    expect(added.filter((e) => e.operation === 'rateLimit')).toEqual([expect.objectContaining({ outcomeCode: 'RATE_LIMITED', actor: expect.objectContaining({ id: 'busy-researcher' }) })]);

    const other = await post(await t.token({ sub: 'other-researcher' }));
    expect(other.status).toBe(200);
  });

  it('charges a request by its cost: two requests of 15 points use a budget of 30', async () => {
    const token = await t.token({ sub: 'searching-researcher' });
    // Each aliased `agencies` costs one point per agency (one here): 15 points, within cost.max.
    const costly = `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: agencies { agency }`).join(' ')} }`;
    expect((await post(token, costly)).status).toBe(200);
    expect((await post(token, costly)).status).toBe(200);
    expect((await post(token)).status).toBe(429);
  });

  it('limits requests per client address, whoever sends them', async () => {
    let status = 0;
    for (let i = 0; i < 200 && status !== 429; i++) {
      const response = await post(await t.token({ sub: `address-researcher-${i % 20}` }));
      status = response.status;
      const body = (await response.json()) as { errors?: { extensions: { limit?: string } }[] };
      if (status === 429) expect(body.errors![0]!.extensions.limit).toBe('address');
    }
    expect(status).toBe(429);
  });
});

describe('rate limit parts', () => {
  it('caps the requests one actor has running at once, and frees a place when one ends', () => {
    const limits = createRateLimits({ ...defaultLimits().rate, inFlightPerActor: 2 });
    expect(limits.enter('a')).toBeUndefined();
    expect(limits.enter('a')).toBeUndefined();
    expect(limits.enter('a')).toMatchObject({ kind: 'in-flight', retryAfterSeconds: 1, firstOfBurst: true });
    expect(limits.enter('a')).toMatchObject({ firstOfBurst: false });
    expect(limits.enter('b')).toBeUndefined();
    limits.leave('a');
    expect(limits.enter('a')).toBeUndefined();
  });

  it('marks the first refusal of a burst only, and the first of the next burst after the window', async () => {
    let now = 1_000_000;
    const limits = createRateLimits({ ...defaultLimits().rate, inFlightPerActor: 1 }, () => now);
    limits.enter('a');
    expect(limits.enter('a')?.firstOfBurst).toBe(true);
    expect(limits.enter('a')?.firstOfBurst).toBe(false);
    now += 5_000;
    expect(limits.enter('a')?.firstOfBurst).toBe(true);
  });

  it('takes the client address from the socket, and from X-Forwarded-For only from a trusted proxy (rightmost hop)', () => {
    const req = { socket: { remoteAddress: '::ffff:10.0.0.5' }, headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' } } as unknown as IncomingMessage;
    expect(clientAddress(req, [])).toBe('10.0.0.5');
    expect(clientAddress(req, ['10.0.0.9'])).toBe('10.0.0.5');
    expect(clientAddress(req, ['10.0.0.5'])).toBe('198.51.100.7');
  });
});
