/**
 * The attacker for bench:abuse, in its own process so its own work does not share the gateway's
 * event loop: workers send aliased searches at the per-request cost limit (one actor), others send
 * bad tokens at the per-address limit, all from their own loopback address (127.0.0.2), as an
 * attacker elsewhere on the network would. Runs until the parent sends 'stop', then reports counts.
 *
 * Two ways to attack (argv mode):
 * - `at-limits`: each worker sends as fast as the limits let it, honouring Retry-After when it is
 *   refused (a client that uses all its allowance, all the time);
 * - `flood`: each worker ignores 429 and sends again at once (a flood beyond the limits: every
 *   refusal still costs the gateway an HTTP exchange, which only a proxy in front can stop).
 *
 * argv: <graphql url> <token> <enquiry id> <search JSON> <search workers> <bad-token workers> <mode>
 */
import { Agent, request } from 'node:http';

const [url, token, enquiryId, searchJson, searchWorkers, badTokenWorkers, mode = 'at-limits'] = process.argv.slice(2) as [string, string, string, string, string, string, string?];
if (mode !== 'at-limits' && mode !== 'flood') throw new Error('mode must be at-limits or flood');
const agent = new Agent({ keepAlive: true });
const target = new URL(url);

interface Answer {
  status: number;
  /** Seconds to wait, from Retry-After on a 429. */
  retryAfter: number;
}

function post(authorization: string, body: string): Promise<Answer> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, localAddress: '127.0.0.2', headers: { 'content-type': 'application/json', authorization, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 0) || 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const query = JSON.parse(searchJson) as Record<string, string>;
// Two full searches: 2 x (agencies x search passes) = the default cost limit with five agencies.
const aliased = `query($e: ID!, $q: PersonSearchInput!) { a: searchPeople(enquiryId: $e, query: $q) { auditEventId } b: searchPeople(enquiryId: $e, query: $q) { auditEventId } }`;
const searchBody = JSON.stringify({ query: aliased, variables: { e: enquiryId, q: query } });
let running = true;
let wake: () => void = () => {};
const stopped = new Promise<void>((resolveStop) => (wake = resolveStop));
const pause = (seconds: number) => Promise.race([new Promise((r) => setTimeout(r, seconds * 1000)), stopped]);
const counts: Record<string, number> = {};
const count = (kind: string, status: number) => {
  const key = `${kind}:${status}`;
  counts[key] = (counts[key] ?? 0) + 1;
};

async function loop(kind: 'search' | 'bad-token'): Promise<void> {
  let n = 0;
  while (running) {
    n += 1;
    try {
      const answer = await post(`Bearer ${kind === 'search' ? token : `eyJhbGciOiJFUzI1NiJ9.bad.${n}`}`, kind === 'search' ? searchBody : JSON.stringify({ query: '{ me { id } }' }));
      count(kind, answer.status);
      if (mode === 'at-limits' && answer.status === 429) await pause(Math.max(answer.retryAfter, 0.05));
    } catch {
      count(kind, 0);
    }
  }
}

process.on('message', (message) => {
  if (message === 'stop') {
    running = false;
    wake();
  }
});
const loops = [...Array.from({ length: Number(searchWorkers) }, () => loop('search')), ...Array.from({ length: Number(badTokenWorkers) }, () => loop('bad-token'))];
process.send?.('started');
await Promise.all(loops);
process.send?.({ counts });
process.disconnect?.();
