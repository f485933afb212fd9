import { startGateway } from './app.js';
import { loadConfig } from './config.js';
import { isGatewayError } from './errors.js';
import { createLogger } from './log.js';
import { OWNER_ONLY_UMASK } from './owner-only.js';

/** `npm start`: the gateway on its configured store, agencies and (by default) the sandbox county. */
async function main(): Promise<void> {
  // Everything the gateway creates (data directory, store files, keys) is its own user's alone.
  process.umask(OWNER_ONLY_UMASK);
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(isGatewayError(error) ? error.exitCode : 1);
  }
  const logger = createLogger({ level: config.logLevel });
  let gateway;
  try {
    gateway = await startGateway(config, { logger });
  } catch (error) {
    process.stderr.write(`mash-gateway could not start: ${(error as Error).message}\n`);
    process.exit(isGatewayError(error) ? error.exitCode : 1);
  }
  logger.info({ url: `${gateway.url}/graphql`, mode: gateway.mode, store: gateway.store.kind, agencies: gateway.federation.agencies() }, 'mash-gateway ready');
  process.stdout.write(
    gateway.mode === 'production'
      ? `mash-gateway: production mode (no introspection or field suggestions; demo issuer and sandbox refused)\n`
      : `mash-gateway: development mode (introspection and field suggestions on; set mode: production or NODE_ENV=production for production)\n`,
  );
  if (gateway.sandboxFacts) {
    // The featured child is synthetic: printing it helps a newcomer try the README's example.
    process.stdout.write(
      `\nmash-gateway is ready at ${gateway.url}/graphql (liveness: ${gateway.url}/healthz, readiness: ${gateway.url}/readyz)\n` +
        (config.console.enabled ? `The console: open ${gateway.url}/ and sign in as a demo user.\n` : '') +
        `Sandbox county: ${gateway.sandboxFacts.persons} synthetic persons${gateway.sandboxProcess ? ` (agencies in process ${gateway.sandboxProcess.pid})` : ''}. Featured child for the README example: NHS number ${gateway.sandboxFacts.featuredChild.nhsNumber}.\n` +
        `Get a token: npx mash-gateway token --sub demo-researcher --name "Demo Researcher" --agency social-care --role mash-researcher\n\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await gateway.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ errorName: (error as Error).name }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
