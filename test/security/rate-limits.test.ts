import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { clientAddress, createRateLimits, defaultLimits } from '../../gateway/limits/index.js';
import { TokenBuckets } from '../../gateway/limits/token-bucket.js';
import { configFromDocument } from '../../gateway/config.js';
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

describe('readiness checks', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ households: 10, limits: { rate: { address: { points: 3, perSeconds: 600 } } } });
  });
  afterAll(async () => t?.close());

  it('counts /readyz (a store transaction each) against the client address, so it cannot be flooded', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${t.gateway.url}/readyz`);
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // The liveness check costs nothing and is not counted.
    expect((await fetch(`${t.gateway.url}/healthz`)).status).toBe(200);
  });
});

describe('rate limit parts', () => {
  it('is a token bucket: a burst up to its capacity, then the refill rate, never two windows back to back', () => {
    let now = 0;
    // 600 points a minute (10 a second), at most 100 at once.
    const buckets = new TokenBuckets({ points: 600, perSeconds: 60, burst: 100 }, () => now);
    expect(buckets.take('a', 50).ok).toBe(true);
    expect(buckets.take('a', 50).ok).toBe(true);
    const refused = buckets.take('a', 50);
    expect(refused).toEqual({ ok: false, msBeforeNext: 5000 });
    // Another caller has their own bucket.
    expect(buckets.take('b', 100).ok).toBe(true);
    now += 4_999;
    expect(buckets.take('a', 50).ok).toBe(false);
    now += 1;
    expect(buckets.take('a', 50).ok).toBe(true);
    // After a long quiet spell the bucket is full again, but no fuller than its capacity.
    now += 3_600_000;
    expect(buckets.level('a')).toBe(100);
    expect(buckets.take('a', 100).ok).toBe(true);
    expect(buckets.take('a', 1).ok).toBe(false);
  });

  it('lets a request costing more than the bucket holds run once the bucket is full, so none is refused for ever', () => {
    let now = 0;
    const buckets = new TokenBuckets({ points: 10, perSeconds: 10, burst: 10 }, () => now);
    expect(buckets.take('a', 25).ok).toBe(true);
    expect(buckets.take('a', 25)).toEqual({ ok: false, msBeforeNext: 10_000 });
    now += 10_000;
    expect(buckets.take('a', 25).ok).toBe(true);
  });

  it('keeps a bounded number of buckets however many callers there are', () => {
    const buckets = new TokenBuckets({ points: 10, perSeconds: 60 }, () => 0, 1000);
    for (let i = 0; i < 20_000; i++) buckets.take(`caller-${i}`, 5);
    expect((buckets as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(1000);
  });

  it('refuses a per-actor bucket that cannot hold one request within the cost limit, naming the setting', () => {
    const configure = (rate: Record<string, unknown>) => () =>
      configFromDocument({ auth: { demoIssuer: true }, sandbox: { enabled: true }, connectors: [{ kind: 'health' }], limits: { cost: { max: 50 }, rate } }, join(process.cwd(), 'mash-gateway.config.yaml'));
    expect(configure({ actor: { points: 600, perSeconds: 60, burst: 40 } })).toThrow(/limits\.rate\.actor\.burst.*cost\.max \(50\)/s);
    expect(configure({ actor: { points: 600, perSeconds: 60, burst: 50 } })).not.toThrow();
  });

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

  it("runs one actor's expensive requests one after another while cheap ones run beside them, and frees the waiting when one ends", async () => {
    const limits = createRateLimits(defaultLimits().rate, Date.now, 50);
    const order: string[] = [];
    const admitted = (ticket: string, cost: number, key = 'a') => limits.holdCost(key, ticket, cost).then(() => order.push(ticket));
    await admitted('search-1', 50);
    const second = admitted('search-2', 50);
    const cheap = admitted('profile', 5);
    const otherActor = admitted('other-search', 50, 'b');
    await Promise.resolve();
    await otherActor;
    // The second search waits for the first; another actor's search does not; a cheap request
    // queued behind the waiting search waits its turn (first come, first served).
    expect(order).toEqual(['search-1', 'other-search']);
    limits.leave('a', 'search-1');
    await second;
    expect(order).toEqual(['search-1', 'other-search', 'search-2']);
    limits.leave('a', 'search-2');
    await cheap;
    expect(order).toEqual(['search-1', 'other-search', 'search-2', 'profile']);
    // Cheap requests run beside each other.
    limits.leave('a', 'profile');
    await Promise.all([admitted('p1', 20), admitted('p2', 20)]);
    // A request that ends while still waiting (abandoned) never runs and blocks nobody.
    const abandoned = admitted('abandoned', 50);
    limits.leave('a', 'abandoned');
    limits.leave('a', 'p1');
    limits.leave('a', 'p2');
    await admitted('after', 50);
    expect(order).not.toContain('abandoned');
    expect(order.at(-1)).toBe('after');
    void abandoned;
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
