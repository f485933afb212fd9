/**
 * `mash-gateway connector check <module-or-path> [--options JSON] [--json] [--timeout MS] [--household JSON] [--incidents-since ISO]`:
 * loads a connector module and runs the conformance kit against it (`--household` gives the
 * household fixture, replacing the module's `samples.household`; `--incidents-since` where the
 * incident feed checks start reading, replacing `samples.incidents.since`).
 *
 * The module exports the connector as the gateway's `kind: module` loader expects (first found wins):
 *   export function createConnector(options): Connector | Promise<Connector>
 *   export default function (options)  (as createConnector)
 *   export const connector: Connector  (or a default export of one)
 * The factory gets `--options` (JSON, default `{}`), as the gateway passes a config entry's `options`.
 * and the samples to check it with, as an object or a (possibly async) function returning one:
 *   export const conformance = { samples: { identifiers, demographics, knownPersonIds, unknownPersonId, household?, incidents? }, timeoutMs?, faults? }
 * (`household`, for a connector with the household capability: person id -> expected member ids;
 * `incidents`, for one with the incident feed: `{ since?, kinds? }`.)
 * The connector's `close()` is called when the check ends, so a module may start a test system
 * in `createConnector()` and stop it there.
 *
 * Exit codes: 0 every check passed, 1 a check failed, 2 bad usage or a module that cannot be
 * loaded or exports no connector or samples.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkConnector, formatConformanceReport, type ConformanceOptions } from './conformance.js';
import type { Connector } from './types.js';

export interface ConnectorCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Directory relative module paths are resolved against. Default `process.cwd()`. */
  cwd?: string;
}

export const CONNECTOR_USAGE = `Usage: mash-gateway connector check <module-or-path> [--options JSON] [--json] [--timeout MS] [--household JSON] [--incidents-since ISO]

Runs the connector conformance kit against a connector module. The module exports
createConnector(options) (or \`connector\`, or a default export) returning a Connector, and
\`conformance\` = { samples: { identifiers, demographics, knownPersonIds, unknownPersonId } }.
A connector with the household capability is checked on it too; samples.household
(person id -> ids of members expected in their household) checks a known household is found.
A connector with the incident feed (incidentsSince) is checked on it: shape, order, paging,
resuming from a cursor, an empty page's cursor, a garbage cursor refused; samples.incidents
= { since?, kinds? } says where to start reading (default 30 days back).
  --options JSON  passed to createConnector, as the gateway passes a config entry's options
  --json          print the report as JSON
  --timeout MS    how long one connector call may take (default: the module's
                  conformance.timeoutMs, else 5000)
  --household JSON  the household fixture to check (replaces samples.household): an
                  object of person id -> ids of members expected in their household,
                  e.g. '{"P123":["P124","P125"]}', for a test system whose households you know
  --incidents-since ISO  where the incident feed checks start reading (replaces
                  samples.incidents.since): an ISO 8601 date-time with a zone, with at least
                  two incidents recorded or changed since
Exit 0 when every check passes, 1 when any fails, 2 on bad usage or an unloadable module.
See docs/connectors.md.`;

class UsageError extends Error {}

type Module = Record<string, unknown>;

function modulePath(spec: string, cwd: string): string {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || /\.(m?[jt]s|c[jt]s)$/.test(spec);
  if (!looksLikePath) return spec; // a package name, resolved as an import from here
  let path = resolve(cwd, spec);
  if (existsSync(path) && statSync(path).isDirectory()) {
    const index = ['index.ts', 'index.js', 'index.mjs'].map((f) => resolve(path, f)).find((f) => existsSync(f));
    if (!index) throw new UsageError(`${spec} is a directory with no index.ts or index.js`);
    path = index;
  } else if (!existsSync(path) && path.endsWith('.js') && existsSync(`${path.slice(0, -3)}.ts`)) {
    // TypeScript sources are imported by their .js name; run the .ts under the tsx loader.
    path = `${path.slice(0, -3)}.ts`;
  } else if (!existsSync(path)) {
    throw new UsageError(`no such file: ${spec}`);
  }
  return pathToFileURL(path).href;
}

async function connectorOf(mod: Module, options: Record<string, unknown>): Promise<Connector> {
  const factory = typeof mod.createConnector === 'function' ? mod.createConnector : typeof mod.default === 'function' ? mod.default : undefined;
  const candidate: unknown = factory ? await (factory as (options: Record<string, unknown>) => unknown)(options) : (mod.connector ?? mod.default);
  if (typeof candidate !== 'object' || candidate === null) {
    throw new UsageError('the module exports no connector: export createConnector(), `connector`, or a default export');
  }
  return candidate as Connector;
}

async function conformanceOf(mod: Module): Promise<ConformanceOptions> {
  const exported = mod.conformance;
  const value: unknown = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (typeof value !== 'object' || value === null || typeof (value as { samples?: unknown }).samples !== 'object') {
    throw new UsageError('the module exports no conformance samples: export const conformance = { samples: { identifiers, demographics, knownPersonIds } }');
  }
  return value as ConformanceOptions;
}

/** `argv` is what follows `connector` on the command line. Returns the exit code. */
export async function runConnectorCommand(argv: readonly string[], io: ConnectorCommandIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    (subcommand === undefined ? io.stderr : io.stdout)(CONNECTOR_USAGE);
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand !== 'check') {
    io.stderr(`Unknown connector command "${subcommand}".\n${CONNECTOR_USAGE}`);
    return 2;
  }

  let json = false;
  let timeoutMs: number | undefined;
  let factoryOptions: Record<string, unknown> = {};
  let household: Record<string, string[]> | undefined;
  let incidentsSince: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--timeout') {
      const value = Number(rest[++i]);
      if (!Number.isInteger(value) || value < 1) {
        io.stderr(`--timeout needs a whole number of milliseconds.\n${CONNECTOR_USAGE}`);
        return 2;
      }
      timeoutMs = value;
    } else if (arg === '--options') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest[++i] ?? '');
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        io.stderr(`--options needs a JSON object, e.g. --options '{"baseUrl":"https://records.example/api"}'.\n${CONNECTOR_USAGE}`);
        return 2;
      }
      factoryOptions = parsed as Record<string, unknown>;
    } else if (arg === '--household') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest[++i] ?? '');
      } catch {
        parsed = undefined;
      }
      const valid =
        typeof parsed === 'object' &&
        parsed !== null &&
        !Array.isArray(parsed) &&
        Object.values(parsed).every((ids) => Array.isArray(ids) && ids.every((id) => typeof id === 'string' && id.length > 0));
      if (!valid) {
        io.stderr(`--household needs a JSON object of person id -> list of member ids, e.g. --household '{"P123":["P124"]}'.\n${CONNECTOR_USAGE}`);
        return 2;
      }
      household = parsed as Record<string, string[]>;
    } else if (arg === '--incidents-since') {
      const value = rest[++i] ?? '';
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
        io.stderr(`--incidents-since needs an ISO 8601 date-time with a zone, e.g. --incidents-since 2026-11-01T00:00:00Z.\n${CONNECTOR_USAGE}`);
        return 2;
      }
      incidentsSince = value;
    } else if (arg === '--help' || arg === '-h') {
      io.stdout(CONNECTOR_USAGE);
      return 0;
    } else if (arg.startsWith('-')) {
      io.stderr(`Unknown option ${arg}.\n${CONNECTOR_USAGE}`);
      return 2;
    } else positional.push(arg);
  }
  if (positional.length !== 1) {
    io.stderr(`connector check needs exactly one module or path.\n${CONNECTOR_USAGE}`);
    return 2;
  }
  const spec = positional[0]!;

  let connector: Connector;
  let options: ConformanceOptions;
  try {
    const mod = (await import(modulePath(spec, io.cwd ?? process.cwd()))) as Module;
    connector = await connectorOf(mod, factoryOptions);
    try {
      options = await conformanceOf(mod);
    } catch (error) {
      await Promise.resolve(connector.close?.()).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    const why = error instanceof UsageError ? error.message : `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
    io.stderr(`Cannot load connector module ${spec}: ${why}`);
    return 2;
  }

  try {
    const samples = {
      ...options.samples,
      ...(household ? { household } : {}),
      ...(incidentsSince ? { incidents: { ...options.samples.incidents, since: incidentsSince } } : {}),
    };
    const report = await checkConnector(connector, { ...options, samples, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    io.stdout(json ? JSON.stringify(report, null, 2) : formatConformanceReport(report));
    return report.passed ? 0 : 1;
  } catch (error) {
    // The kit reports rather than throws; this is a connector so malformed the kit could not continue.
    io.stderr(`The conformance check could not complete: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    await Promise.resolve(connector.close?.()).catch((error: unknown) => io.stderr(`connector close() failed: ${(error as Error)?.message ?? String(error)}`));
  }
}
