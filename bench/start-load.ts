/**
 * bench:start's load generator: autocannon in its own process, so the client's work never counts
 * in the gateway's CPU or memory. Receives `{ url, body, headers, connections, seconds }` over IPC
 * and answers with the run's figures. A 200 whose body carries GraphQL errors counts as an error.
 */
import autocannon from 'autocannon';

interface Run {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}

const answered = (raw: string | Buffer | undefined): boolean => {
  const body = String(raw ?? '');
  return body.includes('"auditEventId"') && !body.includes('"errors"');
};

process.once('message', async (run: Run) => {
  const result = await autocannon({ url: run.url, method: 'POST', headers: run.headers, body: run.body, connections: run.connections, duration: run.seconds, verifyBody: answered });
  process.send!(
    {
      requests: result.requests.total,
      rps: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
    },
    () => process.exit(0),
  );
});
