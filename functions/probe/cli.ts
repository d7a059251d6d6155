/**
 * The main job: one probe cycle (or several with --watch) against a Meet deployment.
 *
 *   npm run probe -- --config FILE [--publish] [--json] [--watch [--interval S] [--cycles N]]
 *
 * Exit codes: 0 every check up, 1 something down (or publishing failed), 2 bad usage or config.
 */
import { parseArgs } from "node:util";
import { loadConfigFile } from "../shared/config/file.ts";
import { formatIssues, validate, vantage as vantageSchema } from "../shared/config/index.ts";
import { createCloudWatchPublisher, defaultCloudWatchClient, resolveRegion } from "./adapters/cloudwatch.ts";
import { createNodeHttp } from "./adapters/node-http.ts";
import { createSecretsManagerReader } from "./adapters/secrets-manager.ts";
import { createStunSocketPort } from "./adapters/stun-socket.ts";
import { createWebSocketPort } from "./adapters/websocket.ts";
import { type CredentialResolver, createCredentialResolver } from "./credentials.ts";
import type { HttpPort } from "./http.ts";
import { probeOnce, probeSucceeded } from "./monitor.ts";
import type { MetricsPublisher } from "./publish.ts";
import { cycleSummary, formatTable, formatWhitebox, publishSummary, reportJson } from "./report.ts";
import type { StunPort, WebSocketPort } from "./sockets.ts";
import { createWhiteboxState } from "./whitebox/collect.ts";

export const EXIT = { ok: 0, down: 1, usage: 2 } as const;

export const USAGE = `Usage: npm run probe -- --config FILE [options]

Runs one probe cycle against the targets in FILE and prints the results.

Options:
  --config FILE       the monitor configuration (JSON), required
  --publish           send the metrics to CloudWatch (standard AWS environment and credentials)
  --json              print each cycle as one JSON object per line instead of a table
  --watch             repeat the cycle
  --interval SECONDS  with --watch: seconds from one cycle start to the next (default 60)
  --cycles N          with --watch: stop after N cycles (default: run until interrupted)
  --vantage NAME      override the config's vantage (default: config, else "local")
  -h, --help          show this help

Exit codes: 0 all checks up, 1 a check down or publishing failed, 2 bad usage or configuration.`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface CliDependencies {
  readonly http?: HttpPort;
  /** The deep checks' sockets. @default the real adapters with the system resolver */
  readonly webSocket?: WebSocketPort;
  readonly stun?: StunPort;
  readonly publisher?: MetricsPublisher;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Stops a --watch loop between cycles (SIGINT in the real CLI). */
  readonly stopSignal?: AbortSignal;
  /** @default env, then file, then Secrets Manager (the "local" mode) */
  readonly credentials?: CredentialResolver;
  /**
   * The wall clock (ms since the epoch): paces --watch cycles and dates each white-box scrape
   * (the rate windows). @default Date.now
   */
  readonly clock?: () => number;
}

interface CliOptions {
  readonly config: string;
  readonly publish: boolean;
  readonly json: boolean;
  readonly watch: boolean;
  readonly intervalMs: number;
  readonly cycles: number;
  readonly vantage?: string;
}

type ParsedArgs = { readonly options: CliOptions } | { readonly help: true } | { readonly error: string };

export function parseCliArgs(args: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        publish: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        watch: { type: "boolean", default: false },
        interval: { type: "string" },
        cycles: { type: "string" },
        vantage: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { help: true };
  const errors: string[] = [];
  if (typeof values.config !== "string" || values.config === "") errors.push("--config FILE is required");
  const watch = values.watch === true;
  if (!watch && (values.interval !== undefined || values.cycles !== undefined)) {
    errors.push("--interval and --cycles only apply with --watch");
  }
  const interval = values.interval === undefined ? 60 : Number(values.interval);
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600) {
    errors.push(
      `--interval must be a number of seconds between 1 and 3600, not "${String(values.interval)}"`,
    );
  }
  const cycles = values.cycles === undefined ? Number.POSITIVE_INFINITY : Number(values.cycles);
  if (values.cycles !== undefined && (!Number.isInteger(cycles) || cycles < 1)) {
    errors.push(`--cycles must be a positive integer, not "${String(values.cycles)}"`);
  }
  if (typeof values.vantage === "string") {
    // The same rule as the config's `vantage`: it becomes a CloudWatch dimension value.
    const checked = validate(vantageSchema, values.vantage);
    if (!checked.ok) errors.push(...checked.issues.map((issue) => `--vantage ${issue.message}`));
  }
  if (errors.length > 0) return { error: errors.join("\n") };
  return {
    options: {
      config: String(values.config),
      publish: values.publish === true,
      json: values.json === true,
      watch,
      intervalMs: interval * 1000,
      cycles: watch ? cycles : 1,
      ...(typeof values.vantage === "string" ? { vantage: values.vantage } : {}),
    },
  };
}

export async function runCli(
  args: readonly string[],
  io: CliIo,
  dependencies: CliDependencies = {},
): Promise<number> {
  const parsed = parseCliArgs(args);
  if ("help" in parsed) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  if ("error" in parsed) {
    io.stderr(`${parsed.error}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { options } = parsed;
  const loaded = await loadConfigFile(options.config);
  if (!loaded.ok) {
    io.stderr(`${formatIssues(options.config, loaded.issues)}\n`);
    return EXIT.usage;
  }
  const config = loaded.config;
  const vantage = options.vantage ?? config.vantage ?? "local";
  const http = dependencies.http ?? createNodeHttp();
  const webSocket = dependencies.webSocket ?? createWebSocketPort();
  const stun = dependencies.stun ?? createStunSocketPort();
  let publisher = options.publish ? dependencies.publisher : undefined;
  if (options.publish && publisher === undefined) {
    const client = defaultCloudWatchClient();
    if ((await resolveRegion(client)) === undefined) {
      io.stderr(`${NO_REGION}\n`);
      return EXIT.usage;
    }
    publisher = createCloudWatchPublisher({ client });
  }
  const clock = dependencies.clock ?? Date.now;
  const sleep = dependencies.sleep ?? ((ms: number) => abortableSleep(ms, dependencies.stopSignal));
  // EMF fallback lines must not break the JSON stream on stdout.
  const writeEmf = options.json
    ? (line: string) => io.stderr(`${line}\n`)
    : (line: string) => io.stdout(`${line}\n`);

  // One state for the whole --watch run: each cycle's rates use the previous cycle's samples.
  const whitebox = {
    state: createWhiteboxState(),
    credentials:
      dependencies.credentials ??
      createCredentialResolver({ mode: "local", secrets: createSecretsManagerReader() }),
    clock,
  };

  let exitCode: number = EXIT.ok;
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    const startedAt = clock();
    const outcome = await probeOnce(config, vantage, {
      http,
      webSocket,
      stun,
      credentials: whitebox.credentials,
      ...(publisher ? { publisher } : {}),
      writeEmf,
      sleep,
      whitebox,
    });
    if (!probeSucceeded(outcome)) exitCode = EXIT.down;
    if (options.json) {
      io.stdout(`${JSON.stringify(reportJson(outcome.report, outcome.publish, outcome.whitebox))}\n`);
    } else {
      const counter = options.watch
        ? `cycle ${cycle}${Number.isFinite(options.cycles) ? `/${options.cycles}` : ""}  `
        : "";
      const figures = outcome.whitebox ? `${formatWhitebox(outcome.whitebox)}\n\n` : "";
      io.stdout(`${counter}${cycleSummary(outcome.report)}\n${formatTable(outcome.report)}\n\n${figures}`);
    }
    if (outcome.publish) io.stderr(`${publishSummary(outcome.publish, config.namespace)}\n`);
    if (cycle >= options.cycles || dependencies.stopSignal?.aborted) break;
    const tookMs = clock() - startedAt;
    if (tookMs > options.intervalMs) io.stderr(`${overrunWarning(cycle, tookMs, options.intervalMs)}\n`);
    await sleep(Math.max(0, options.intervalMs - tookMs));
    if (dependencies.stopSignal?.aborted) break;
  }
  return exitCode;
}

export const NO_REGION =
  "--publish needs an AWS region: set AWS_REGION (e.g. AWS_REGION=eu-west-3), or a region in the AWS profile you use (AWS_PROFILE, ~/.aws/config)";

/** One line per cycle that outlasted the interval: the next one starts at once, late. */
export function overrunWarning(cycle: number, tookMs: number, intervalMs: number): string {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return `warning: cycle ${cycle} took ${seconds(tookMs)}, longer than --interval ${seconds(intervalMs)}: the next cycle starts now, ${seconds(tookMs - intervalMs)} late`;
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function main(): Promise<void> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const code = await runCli(
    process.argv.slice(2),
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    { stopSignal: stop.signal },
  );
  process.exitCode = code;
}

if (import.meta.main) {
  await main();
}
