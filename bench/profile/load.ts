/**
 * bench:profile's load generator: autocannon in its own process, so the client's work never
 * competes with the server's event loop. Receives `{ type: 'run', url, body, headers, connections,
 * seconds }` and answers `{ type: 'result', ... }`. A 200 whose body is not a profile with its
 * audit event id (e.g. a GraphQL error) counts as an error.
 */
import autocannon from 'autocannon';

interface Run {
  type: 'run';
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}

const isProfile = (raw: string | Buffer | undefined) => { const body = String(raw ?? ''); return body.includes('"auditEventId"') && !body.includes('"errors"'); };

process.on('message', async (message: Run | { type: 'stop' }) => {
  if (message.type === 'stop') process.exit(0);
  const result = await autocannon({
    url: message.url,
    method: 'POST',
    headers: message.headers,
    body: message.body,
    connections: message.connections,
    duration: message.seconds,
    verifyBody: isProfile,
  });
  process.send!({
    type: 'result',
    requests: result.requests.total,
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
  });
});
