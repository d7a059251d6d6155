/**
 * One probe cycle: every configured check runs concurrently, each retried once after a short
 * pause when it fails, so a single lost packet never pages anyone. A hung target costs its own
 * timeout, never the sum. Whatever happens, every check yields a result.
 */
import type { MonitorConfig } from "../shared/config.ts";
import type { CheckComponent, CheckName } from "../shared/metrics.ts";
import { type CheckSpec, type CheckStatus, checkSpecs } from "./checks.ts";
import type { HttpExchange, HttpPort, PhaseTimings } from "./http.ts";

export interface CheckResult {
  readonly component: CheckComponent;
  readonly check: CheckName;
  /** The URL probed (credentials and query strings are refused by the config schema). */
  readonly url: string;
  readonly status: CheckStatus;
  readonly reason?: string;
  readonly httpStatus?: number;
  /** 1, or 2 when the first attempt failed and was retried. */
  readonly attempts: number;
  /** Why the first attempt failed, when a retry was needed. */
  readonly firstAttemptReason?: string;
  /** Timings of the last attempt. */
  readonly timings: PhaseTimings;
  /** Days until the served certificate expires (https only), at the cycle's timestamp. */
  readonly certDaysLeft?: number;
  readonly certExpiresAt?: string;
}

export interface CycleReport {
  /** The cycle's single timestamp: every datum of the cycle carries it. */
  readonly timestamp: Date;
  readonly vantage: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
}

export interface CycleDependencies {
  readonly http: HttpPort;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export const MAX_ATTEMPTS = 2;
/** Extra time a check may take beyond its attempts before the watchdog reports it. */
const BUDGET_SLACK_MS = 2_000;
const MS_PER_DAY = 86_400_000;

export async function runCycle(
  config: MonitorConfig,
  vantage: string,
  dependencies: CycleDependencies,
): Promise<CycleReport> {
  const now = dependencies.now ?? (() => new Date());
  const sleep = dependencies.sleep ?? defaultSleep;
  const timestamp = now();
  const started = performance.now();
  const checks = await Promise.all(
    checkSpecs(config).map((spec) =>
      withinBudget(
        spec,
        checkBudgetMs(spec.request.timeoutMs, config.probe.retryDelayMs) + BUDGET_SLACK_MS,
        runCheck(spec, dependencies.http, sleep, config.probe.retryDelayMs, timestamp),
      ),
    ),
  );
  return { timestamp, vantage, durationMs: Math.round(performance.now() - started), checks };
}

/** Worst-case duration of one check: two attempts and the pause between them. */
export function checkBudgetMs(timeoutMs: number, retryDelayMs: number): number {
  return MAX_ATTEMPTS * timeoutMs + retryDelayMs;
}

async function runCheck(
  spec: CheckSpec,
  http: HttpPort,
  sleep: (ms: number) => Promise<void>,
  retryDelayMs: number,
  timestamp: Date,
): Promise<CheckResult> {
  let firstAttemptReason: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const exchange = await safeGet(http, spec);
    const verdict = spec.judge(exchange);
    if (verdict.status !== "down" || attempt >= MAX_ATTEMPTS) {
      return toResult(spec, exchange, verdict.status, verdict.reason, attempt, firstAttemptReason, timestamp);
    }
    firstAttemptReason = verdict.reason;
    await sleep(retryDelayMs);
  }
}

/**
 * Each attempt carries its own deadline, so this watchdog should never fire; it guarantees that
 * a bug in an adapter cannot hold the cycle past its bound or lose the check's result.
 */
async function withinBudget(
  spec: CheckSpec,
  budgetMs: number,
  run: Promise<CheckResult>,
): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          component: spec.component,
          check: spec.check,
          url: spec.request.url.href,
          status: "down",
          reason: `check did not finish within its ${budgetMs} ms budget (monitor fault)`,
          attempts: MAX_ATTEMPTS,
          timings: { totalMs: budgetMs },
        }),
      budgetMs,
    );
  });
  try {
    return await Promise.race([run, overrun]);
  } finally {
    clearTimeout(timer);
  }
}

/** The port promises never to reject; a bug in it must still not lose the check's result. */
async function safeGet(http: HttpPort, spec: CheckSpec): Promise<HttpExchange> {
  try {
    return await http.get(spec.request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      failure: { kind: "other", phase: "dns", message: `probe error: ${message}` },
      timings: { totalMs: 0 },
    };
  }
}

function toResult(
  spec: CheckSpec,
  exchange: HttpExchange,
  status: CheckStatus,
  reason: string | undefined,
  attempts: number,
  firstAttemptReason: string | undefined,
  timestamp: Date,
): CheckResult {
  const certificate = exchange.certificate;
  return {
    component: spec.component,
    check: spec.check,
    url: spec.request.url.href,
    status,
    ...(reason ? { reason } : {}),
    ...(exchange.response ? { httpStatus: exchange.response.status } : {}),
    attempts,
    ...(firstAttemptReason ? { firstAttemptReason } : {}),
    timings: exchange.timings,
    ...(certificate
      ? {
          certDaysLeft:
            Math.round(((certificate.validTo.getTime() - timestamp.getTime()) / MS_PER_DAY) * 100) / 100,
          certExpiresAt: certificate.validTo.toISOString(),
        }
      : {}),
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
