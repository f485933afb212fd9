/**
 * bench:profile's agency: the sandbox county's health FHIR server in its own process, answering
 * from memory over HTTP, so the gateway pays for the agency call (HTTP, JSON, validation) as it
 * would for a real agency, but not for the agency's own work.
 *
 * Sends `{ baseUrl, nhsNumber }` (the featured child's NHS number) to the parent when listening;
 * closes on `{ type: 'stop' }`.
 */
import { generateCounty } from '../../sandbox/county/index.js';
import { startHealthServer } from '../../sandbox/health/index.js';

const county = generateCounty({ seed: 1, households: Number(process.env.BENCH_HOUSEHOLDS ?? 200) });
const health = await startHealthServer({ county, host: '127.0.0.1', port: 0 });
process.send!({ type: 'ready', baseUrl: health.baseUrl, nhsNumber: county.featured.child.nhsNumber });
process.on('message', async (message: { type: string }) => {
  if (message.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
  if (message.type === 'stop') {
    await health.close();
    process.exit(0);
  }
});
