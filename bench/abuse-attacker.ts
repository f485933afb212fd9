/**
 * The attacker for bench:abuse, in its own process so its own work does not share the gateway's
 * event loop: workers send aliased searches at the per-request cost limit (one actor), others send
 * bad tokens at the per-address limit, all from their own loopback address (127.0.0.2), as an
 * attacker elsewhere on the network would. Runs until the parent sends 'stop', then reports counts.
 *
 * argv: <graphql url> <token> <enquiry id> <search JSON> <search workers> <bad-token workers>
 */
import { Agent, request } from 'node:http';

const [url, token, enquiryId, searchJson, searchWorkers, badTokenWorkers] = process.argv.slice(2) as [string, string, string, string, string, string];
const agent = new Agent({ keepAlive: true });
const target = new URL(url);

function post(authorization: string, body: string): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, localAddress: '127.0.0.2', headers: { 'content-type': 'application/json', authorization, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
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
      const status = await post(`Bearer ${kind === 'search' ? token : `eyJhbGciOiJFUzI1NiJ9.bad.${n}`}`, kind === 'search' ? searchBody : JSON.stringify({ query: '{ me { id } }' }));
      count(kind, status);
    } catch {
      count(kind, 0);
    }
  }
}

process.on('message', (message) => {
  if (message === 'stop') running = false;
});
const loops = [...Array.from({ length: Number(searchWorkers) }, () => loop('search')), ...Array.from({ length: Number(badTokenWorkers) }, () => loop('bad-token'))];
process.send?.('started');
await Promise.all(loops);
process.send?.({ counts });
process.disconnect?.();
