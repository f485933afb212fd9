import { parseArgs } from 'node:util';
import { explain, ExplainError } from './explain.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile, PolicyError } from './load.js';

export const POLICY_USAGE =
  'Usage: mash-gateway policy explain --purpose P --category C [--consent yes|no] [--subject child|adult] [--relevance] [--role R] [--json] [--policy FILE]\n' +
  '       mash-gateway policy check [--policy FILE]';

export interface PolicyCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  policyPath?: string;
  /** The moment a record scope's start is worked out for (default: the clock). */
  now?: () => Date;
}

/** `mash-gateway policy ...`: explain a decision, or check a policy file. Exit 2 on bad input. */
export async function runPolicyCommand(argv: string[], io: PolicyCommandIo): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        purpose: { type: 'string' },
        category: { type: 'string' },
        consent: { type: 'string', default: 'no' },
        subject: { type: 'string', default: 'child' },
        relevance: { type: 'boolean', default: false },
        role: { type: 'string', default: 'mash-researcher' },
        json: { type: 'boolean', default: false },
        policy: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${POLICY_USAGE}`);
    return 2;
  }
  const options = parsed.values;
  if (options.help || command === undefined) {
    io.stdout(POLICY_USAGE);
    return command === undefined ? 2 : 0;
  }
  let policy;
  try {
    policy = loadPolicyFile(options.policy ?? io.policyPath ?? DEFAULT_POLICY_PATH);
  } catch (error) {
    if (error instanceof PolicyError) {
      io.stderr(error.problems.map((p) => `policy problem: ${p}`).join('\n'));
      return 2;
    }
    throw error;
  }
  if (command === 'check') {
    const doc = policy.document;
    io.stdout(`Policy ${doc.id} ${doc.version} is valid: ${Object.keys(doc.purposes).length} purposes, ${Object.keys(doc.categories).length} categories, ${doc.matrix.length} matrix rows.`);
    return 0;
  }
  if (command !== 'explain') {
    io.stderr(`Unknown policy command "${command}".\n${POLICY_USAGE}`);
    return 2;
  }
  if (!options.purpose || !options.category) {
    io.stderr(`Missing ${!options.purpose ? '--purpose' : '--category'}.\n${POLICY_USAGE}`);
    return 2;
  }
  if (options.consent !== 'yes' && options.consent !== 'no') {
    io.stderr(`--consent must be yes or no (got "${options.consent}").`);
    return 2;
  }
  if (options.subject !== 'child' && options.subject !== 'adult') {
    io.stderr(`--subject must be child or adult (got "${options.subject}").`);
    return 2;
  }
  try {
    const answer = explain(policy, {
      purpose: options.purpose,
      category: options.category,
      consent: options.consent === 'yes',
      subject: options.subject,
      relevance: options.relevance,
      role: options.role,
      now: io.now?.() ?? new Date(),
    });
    if (options.json) {
      io.stdout(JSON.stringify(answer));
    } else {
      io.stdout(
        `${answer.decision.toUpperCase()} (${answer.rule}, policy ${answer.policyVersion})\n${answer.reason}\nSources: ${answer.sources.join(', ')}\n` +
          `Fields: ${answer.fields.length > 0 ? answer.fields.join(', ') : 'none'}` +
          (answer.fieldsOnApproval ? `\nOn approval by the owning agency: ${answer.fieldsOnApproval.join(', ')}` : '') +
          (answer.records ? `\nRecords: ${answer.records.description}` : ''),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof ExplainError) {
      io.stderr(error.message);
      return 2;
    }
    throw error;
  }
}
