import { parseArgs } from 'node:util';
import { ERROR_CODES, isGatewayError } from '../errors.js';
import { loadDemoIssuer } from './demo-issuer.js';

export interface TokenCommandIo {
  dataDir: string;
  demoIssuerEnabled: boolean;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const TOKEN_USAGE =
  'Usage: mash-gateway token --sub ID --name NAME --agency AGENCY --role ROLE [--role ROLE2] [--school LAESTAB] [--ttl 1h]';

const HELP = `${TOKEN_USAGE}

Mints a token from the sandbox's demo issuer and prints it alone on stdout.

  --sub ID          the actor's id at their agency
  --name NAME       the actor's display name
  --agency AGENCY   the actor's agency
  --role ROLE       a role; repeat for several
  --school LAESTAB  the school a school-dsl acts for (DfE LAESTAB, 7 digits)
  --ttl TTL         lifetime like 15m, 1h, 8h or 1d (default 1h, at most 24h)
  -h, --help        show this help
`;

export const NO_DEMO_ISSUER_MESSAGE =
  'No demo issuer is configured: tokens must come from a registered agency issuer (see README, Configuration).';

const BAD_USAGE_EXIT = ERROR_CODES.BAD_INPUT.exit;

const REQUIRED = [
  ['sub', 'ID'],
  ['name', 'NAME'],
  ['agency', 'AGENCY'],
  ['role', 'ROLE'],
] as const;

/**
 * `mash-gateway token ...`: `argv` is the arguments after the `token` subcommand. Returns the
 * process exit code; writes nothing but the token to stdout.
 */
export async function runTokenCommand(argv: string[], io: TokenCommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv[0] === 'token' ? argv.slice(1) : argv,
      options: {
        sub: { type: 'string' },
        name: { type: 'string' },
        agency: { type: 'string' },
        role: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        school: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`mash-gateway token: ${message}\n${TOKEN_USAGE}\n`);
    return BAD_USAGE_EXIT;
  }

  if (values.help === true) {
    io.stdout(HELP);
    return 0;
  }

  if (!io.demoIssuerEnabled) {
    io.stderr(`mash-gateway token: ${NO_DEMO_ISSUER_MESSAGE}\n`);
    return BAD_USAGE_EXIT;
  }

  const roles = (values.role ?? []).map((role) => role.trim()).filter((role) => role !== '');
  const missing = REQUIRED.filter(([option]) =>
    option === 'role' ? roles.length === 0 : (values[option]?.trim() ?? '') === '',
  ).map(([option, placeholder]) => `--${option} ${placeholder}`);
  if (missing.length > 0) {
    io.stderr(`mash-gateway token: missing ${missing.join(', ')}\n${TOKEN_USAGE}\n`);
    return BAD_USAGE_EXIT;
  }

  try {
    const issuer = await loadDemoIssuer(io.dataDir);
    // The gateway refuses a token asserting what the demo issuer may not; say so before minting it.
    const agency = values.agency?.trim() ?? '';
    if (!issuer.config.agencies.includes(agency)) {
      io.stderr(`mash-gateway token: the demo issuer may not assert agency "${agency.slice(0, 64)}"; use one of ${issuer.config.agencies.join(', ')}.\n`);
      return BAD_USAGE_EXIT;
    }
    const unknown = roles.filter((role) => !issuer.config.roles.includes(role));
    if (unknown.length > 0) {
      io.stderr(`mash-gateway token: the demo issuer may not assert role ${unknown.map((role) => `"${role.slice(0, 64)}"`).join(', ')}; use roles of the policy: ${issuer.config.roles.join(', ')}.\n`);
      return BAD_USAGE_EXIT;
    }
    const token = await issuer.sign({
      sub: values.sub ?? '',
      name: values.name ?? '',
      agency: values.agency ?? '',
      roles,
      ...(values.ttl === undefined ? {} : { ttl: values.ttl }),
      ...(values.school === undefined ? {} : { school: values.school }),
    });
    io.stdout(`${token}\n`);
    return 0;
  } catch (error) {
    if (isGatewayError(error)) {
      io.stderr(`mash-gateway token: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
