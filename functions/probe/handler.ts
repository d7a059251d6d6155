/**
 * Lambda entry point, invoked every minute by an EventBridge schedule.
 *
 * It runs one cycle with the configuration bundled beside it by the CDK stack, logs one JSON line
 * per check, publishes, and throws only when the metrics could not be published (after writing
 * them as EMF): a down target is a result, never an invocation error.
 */
import type { ScheduledEvent } from "aws-lambda";
import {
  CONFIG_FILE_ENV,
  CONFIG_FILE_NAME,
  METRICS_REGION_ENV,
  readBundledConfig,
  WHITEBOX_ENV,
} from "../shared/config/bundled.ts";
import type { ProbeConfig } from "../shared/config/index.ts";
import { createCloudWatchPublisher } from "./adapters/cloudwatch.ts";
import { createNodeHttp } from "./adapters/node-http.ts";
import { createSecretsManagerReader } from "./adapters/secrets-manager.ts";
import { createStunSocketPort } from "./adapters/stun-socket.ts";
import { createWebSocketPort } from "./adapters/websocket.ts";
import { type CredentialResolver, createCredentialResolver } from "./credentials.ts";
import type { HttpPort } from "./http.ts";
import { probeOnce } from "./monitor.ts";
import type { MetricsPublisher } from "./publish.ts";
import { checkLogRecord, figuresLogRecord, skippedLogRecord, sourceLogRecord } from "./report.ts";
import type { StunPort, WebSocketPort } from "./sockets.ts";
import { createWhiteboxState } from "./whitebox/collect.ts";

export interface HandlerDependencies {
  readonly loadConfig: () => Promise<ProbeConfig>;
  readonly http: HttpPort;
  /** The deep checks' sockets. @default the real adapters with the system resolver */
  readonly webSocket?: WebSocketPort;
  readonly stun?: StunPort;
  readonly publisher: MetricsPublisher;
  /** Structured log lines (one JSON object each). */
  readonly log: (record: Record<string, unknown>) => void;
  /** EMF fallback lines. */
  readonly writeLine: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Credentials of the white-box sources and the deep checks. @default the "lambda" mode: AWS Secrets Manager only,
   * each secret read once per container.
   */
  readonly credentials?: CredentialResolver;
  /** When each white-box scrape completed (ms since the epoch). @default Date.now */
  readonly clock?: () => number;
}

export interface HandlerResult {
  readonly vantage: string;
  readonly up: number;
  readonly down: number;
  readonly published: boolean;
  readonly durationMs: number;
}

export function createHandler(
  dependencies: HandlerDependencies,
): (event?: ScheduledEvent) => Promise<HandlerResult> {
  let config: Promise<ProbeConfig> | undefined;
  // Created once per container: a warm container keeps the previous samples (rates) and the
  // secrets it has read; nothing is persisted anywhere else. The white-box state is absent on the
  // vantages that leave the white-box sources to another one.
  const credentials =
    dependencies.credentials ??
    createCredentialResolver({ mode: "lambda", secrets: createSecretsManagerReader() });
  const whitebox =
    dependencies.env[WHITEBOX_ENV] === "off"
      ? undefined
      : {
          state: createWhiteboxState(),
          credentials,
          ...(dependencies.clock ? { clock: dependencies.clock } : {}),
        };
  const webSocket = dependencies.webSocket ?? createWebSocketPort();
  const stun = dependencies.stun ?? createStunSocketPort();
  return async () => {
    // Loaded once per container; a failed load is retried on the next invocation.
    config ??= dependencies.loadConfig().catch((error: unknown) => {
      config = undefined;
      throw error;
    });
    const loaded = await config;
    const vantage = loaded.vantage ?? dependencies.env.AWS_REGION ?? "lambda";
    const outcome = await probeOnce(loaded, vantage, {
      http: dependencies.http,
      webSocket,
      stun,
      credentials,
      publisher: dependencies.publisher,
      writeEmf: dependencies.writeLine,
      ...(whitebox ? { whitebox } : {}),
    });
    const { report, publish } = outcome;
    for (const result of report.checks) dependencies.log(checkLogRecord(result, vantage));
    for (const skipped of report.skipped ?? []) dependencies.log(skippedLogRecord(skipped, vantage));
    if (outcome.whitebox) {
      for (const source of outcome.whitebox.sources) dependencies.log(sourceLogRecord(source, vantage));
      dependencies.log(figuresLogRecord(outcome.whitebox, vantage));
    }
    const down = report.checks.filter((result) => result.status === "down").length;
    dependencies.log({
      level: publish?.ok === false ? "ERROR" : "INFO",
      message: "cycle",
      vantage,
      timestamp: report.timestamp.toISOString(),
      durationMs: report.durationMs,
      checks: report.checks.length,
      down,
      datums: outcome.datums.length,
      publish,
    });
    if (publish && !publish.ok) {
      // Reported as an invocation error so the "probe function failing" alarm sees it.
      throw new Error(`${publish.error}; the datums were written to the log as EMF`);
    }
    return {
      vantage,
      up: report.checks.length - down,
      down,
      published: publish?.ok === true,
      durationMs: report.durationMs,
    };
  };
}

function defaultConfigPath(env: Readonly<Record<string, string | undefined>>): string {
  return env[CONFIG_FILE_ENV] ?? `${env.LAMBDA_TASK_ROOT ?? "."}/${CONFIG_FILE_NAME}`;
}

export const handler = createHandler({
  loadConfig: () => readBundledConfig(defaultConfigPath(process.env)),
  http: createNodeHttp(),
  publisher: createCloudWatchPublisher({ region: process.env[METRICS_REGION_ENV] }),
  log: (record) => process.stdout.write(`${JSON.stringify(record)}\n`),
  writeLine: (line) => process.stdout.write(`${line}\n`),
  env: process.env,
});
