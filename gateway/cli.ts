import { runConnectorCommand } from '../connectors/sdk/index.js';
import { runPolicyCommand } from '../policies/index.js';
import { loadAuditSettings, runAuditCommand } from './audit/index.js';
import { runTokenCommand } from './auth/index.js';
import { openStore } from './store/index.js';
import { loadConfig } from './config.js';
import { isGatewayError } from './errors.js';
import { OWNER_ONLY_UMASK, tightenOwnerOnly } from './owner-only.js';

const USAGE = `Usage: mash-gateway <command>

Commands:
  token --sub ID --name NAME --agency AGENCY --role ROLE [--role ROLE] [--ttl 1h]
        Print a bearer token from the demo issuer (sandbox only).
  policy explain --purpose P --category C [--consent yes|no] [--subject child|adult] [--relevance] [--role R] [--json]
        Explain what the policy decides, and why.
  policy check [--policy FILE]
        Validate a policy file.
  connector check <module-or-path> [--options JSON] [--json] [--timeout MS] [--household JSON]
        Run the conformance kit against a connector module.
  audit verify [--from SEQ] | audit prove EVENT_ID | audit export --format jsonl|fhir [--from ISO --to ISO]
        Verify the hash chain and signed checkpoints, prove one event's inclusion, export the log.
  identity link --input FILE [--threshold P] [--output FILE]
        Link person records (JSON lines) into people: one {"id","cluster"} line per record.
  serve Run the gateway (same as npm start).
`;

/** The `mash-gateway` command line. Exit codes follow GatewayError codes (BAD_INPUT = 2). */
async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const stdout = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  const stderr = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
  switch (command) {
    case 'token': {
      const config = loadConfig();
      return runTokenCommand(rest, { dataDir: config.dataDir, demoIssuerEnabled: config.demoIssuer, stdout, stderr });
    }
    case 'policy':
      return runPolicyCommand(rest, { stdout, stderr, policyPath: loadConfig().policyPath });
    case 'connector':
      return runConnectorCommand(rest, { stdout, stderr });
    case 'audit': {
      const config = loadConfig();
      const settings = await loadAuditSettings(config.audit, { dataDir: config.dataDir, baseDir: config.baseDir });
      const store = await openStore(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: `${config.dataDir}/pglite`, command: `audit ${rest[0] ?? ''}`.trim() });
      try {
        return await runAuditCommand(rest, { store, dataDir: config.dataDir, stdout, stderr, signer: settings.signer, publicKeys: settings.publicKeys, origin: settings.origin });
      } finally {
        await store.close();
        // PGlite sets its own file modes (0666): keep the data directory owner-only.
        if (!config.databaseUrl) await tightenOwnerOnly(config.dataDir);
      }
    }
    case 'identity': {
      // Loaded on demand: the name tables it reads are not needed by the other commands.
      const { runIdentityCommand } = await import('./identity/cli.js');
      return runIdentityCommand(rest, { stdout, stderr, stdoutStream: process.stdout });
    }
    case 'serve':
      await import('./main.js');
      return -1;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      stdout(USAGE);
      return command === undefined ? 2 : 0;
    default:
      stderr(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

// Keys, exports and store files the CLI creates are its user's alone.
process.umask(OWNER_ONLY_UMASK);
try {
  const code = await cli(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(isGatewayError(error) ? error.exitCode : 1);
}
