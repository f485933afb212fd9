/**
 * The load generator of bench:overload, in its own process (forked by bench/overload.ts) so that
 * its work does not share the gateway's event loop. `concurrency` clients each send person
 * searches back to back for `seconds`; a client told 503 with Retry-After waits that long, as a
 * well-behaved client does. Sends the parent one summary message; no names are kept.
 */

export interface ClientJob {
  url: string;
  /** One per client: its own user (an actor's requests are limited together) and the searches it sends in turn (JSON bodies). */
  clients: { token: string; bodies: string[] }[];
  seconds: number;
}

export interface ClientSummary {
  /** 200 answers. */
  answers: number;
  /** 200 answers in which at least one agency was UNAVAILABLE. */
  degraded: number;
  /** Per agency: how many answers said it was UNAVAILABLE, and the kinds of reason given. */
  unavailable: Record<string, { count: number; reasons: Record<string, number> }>;
  /** 503 OVERLOADED refusals before the request started (shed). */
  shed: number;
  /** 503 OVERLOADED answers of requests that had started (their agency calls ran out of time on the gateway's loop). */
  overloadedRunning: number;
  /** Any other status or an error answer. */
  otherErrors: Record<string, number>;
  /** Latency of the 200 answers (ms), sorted. */
  answerLatencies: number[];
  /** Latency of every response (ms), sorted. */
  allLatencies: number[];
  seconds: number;
}

/** What kind of reason an UNAVAILABLE detail gives, without quoting it. */
function reasonKind(detail: string | null | undefined): string {
  if (!detail) return 'none';
  if (detail.startsWith('circuit open')) return 'circuit-open';
  if (/did not answer within/.test(detail)) return 'timeout';
  const kind = detail.match(/\((UPSTREAM_ERROR|UNREACHABLE|MALFORMED_RESPONSE|TIMEOUT|BAD_QUERY)\)/);
  if (kind) return kind[1]!;
  return /failed unexpectedly/.test(detail) ? 'unexpected' : 'other';
}

async function run(job: ClientJob): Promise<ClientSummary> {
  const summary: ClientSummary = { answers: 0, degraded: 0, unavailable: {}, shed: 0, overloadedRunning: 0, otherErrors: {}, answerLatencies: [], allLatencies: [], seconds: 0 };
  const started = performance.now();
  const end = started + job.seconds * 1000;
  const worker = async (client: ClientJob['clients'][number]): Promise<void> => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${client.token}` };
    let next = 0;
    while (performance.now() < end) {
      const body = client.bodies[next++ % client.bodies.length]!;
      const t0 = performance.now();
      let status = 0;
      let text = '';
      let retryAfter = 0;
      try {
        const response = await fetch(job.url, { method: 'POST', headers, body });
        status = response.status;
        retryAfter = Number(response.headers.get('retry-after') ?? 0);
        text = await response.text();
      } catch (error) {
        summary.otherErrors[(error as Error).name] = (summary.otherErrors[(error as Error).name] ?? 0) + 1;
        continue;
      }
      const ms = performance.now() - t0;
      summary.allLatencies.push(ms);
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const code = parsed?.errors?.[0]?.extensions?.code as string | undefined;
      if (status === 200 && parsed?.data?.searchPeople) {
        summary.answers++;
        summary.answerLatencies.push(ms);
        const down = (parsed.data.searchPeople.agencies as { agency: string; status: string; detail?: string }[]).filter((a) => a.status === 'UNAVAILABLE');
        if (down.length > 0) summary.degraded++;
        for (const agency of down) {
          const entry = (summary.unavailable[agency.agency] ??= { count: 0, reasons: {} });
          entry.count++;
          const kind = reasonKind(agency.detail);
          entry.reasons[kind] = (entry.reasons[kind] ?? 0) + 1;
        }
      } else if (status === 503 && code === 'OVERLOADED') {
        // Shed before starting says "refusing new requests" or "as many requests as it can".
        if (/too busy to read/.test(parsed.errors[0].message)) summary.overloadedRunning++;
        else summary.shed++;
        if (retryAfter > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter * 1000, Math.max(0, end - performance.now()))));
      } else {
        const key = `${status}:${code ?? 'none'}`;
        summary.otherErrors[key] = (summary.otherErrors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(job.clients.map(worker));
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  summary.answerLatencies.sort((a, b) => a - b);
  summary.allLatencies.sort((a, b) => a - b);
  return summary;
}

process.once('message', (job: ClientJob) => {
  void run(job).then(
    (summary) => process.send!(summary, () => process.exit(0)),
    (error: Error) => {
      process.stderr.write(`load generator failed: ${error.name}\n`);
      process.exit(1);
    },
  );
});
