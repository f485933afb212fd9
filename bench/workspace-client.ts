/**
 * The client of bench:workspace, in its own process so that sending requests and reading the
 * answers (a chronology of 300 entries, a précis of several hundred statements) does not share the
 * gateway's event loop. One researcher: requests one after another, the operations interleaved
 * (each iteration sends every operation once), so a slow spell of the machine touches them all.
 *
 * The parent sends one message `{ url, token, operations, rounds, iterations, warmup }` and receives
 * `{ rounds: [{ [operation]: latencies in ms }] }` or `{ error }`.
 */
interface Operation {
  name: string;
  body: string;
  /** Text every good answer contains (an answer with `"errors"` is a failure). */
  expect: string;
}
interface Plan {
  url: string;
  token: string;
  operations: Operation[];
  rounds: number;
  iterations: number;
  warmup: number;
}

async function send(plan: Plan, operation: Operation): Promise<number> {
  const started = performance.now();
  const response = await fetch(plan.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.token}` }, body: operation.body });
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200 || text.includes('"errors"') || !text.includes(operation.expect)) {
    throw new Error(`${operation.name}: unexpected answer (HTTP ${response.status}): ${text.slice(0, 300)}`);
  }
  return elapsed;
}

async function run(plan: Plan): Promise<Record<string, number[]>[]> {
  for (let i = 0; i < plan.warmup; i++) for (const operation of plan.operations) await send(plan, operation);
  const rounds: Record<string, number[]>[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    const round: Record<string, number[]> = Object.fromEntries(plan.operations.map((o) => [o.name, []]));
    for (let i = 0; i < plan.iterations; i++) for (const operation of plan.operations) round[operation.name]!.push(await send(plan, operation));
    rounds.push(round);
  }
  return rounds;
}

process.once('message', (plan: Plan) => {
  run(plan).then(
    (rounds) => process.send!({ rounds }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.message }, () => process.exit(1)),
  );
});
