/** A small closed-loop HTTP load generator: `concurrency` workers, each sending requests back to back. */
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function runLoad(options: { url: string; body: string; headers: Record<string, string>; concurrency: number; requests: number; check?: (text: string) => boolean }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const worker = async () => {
    while (sent < options.requests) {
      sent += 1;
      const t0 = performance.now();
      const response = await fetch(options.url, { method: 'POST', headers: options.headers, body: options.body });
      const text = await response.text();
      latencies.push(performance.now() - t0);
      if (response.status !== 200 || (options.check && !options.check(text))) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    requests: latencies.length,
    errors,
    seconds: round(seconds),
    rps: round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
  };
}
