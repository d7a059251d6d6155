/**
 * One probe cycle: every configured check runs concurrently, each retried once after a short
 * pause when it fails, so a single lost packet never pages anyone. A hung target costs its own
 * timeout, never the sum. Whatever happens, every check yields a result.
 */
import type { MonitorConfig } from "../shared/config/index.ts";
import type { CheckComponent, CheckName } from "../shared/metrics.ts";
import {
  type Attempt,
  type CheckPorts,
  type CheckSpec,
  type CheckStatus,
  checkSpecs,
} from "./checks/index.ts";
import { settle, WATCHDOG_SLACK_MS, withinBudget } from "./guard.ts";
import type { HttpPort, PhaseTimings } from "./http.ts";

export interface CheckResult {
  readonly component: CheckComponent;
  readonly check: CheckName;
  /** The address probed (credentials and query strings are refused by the config schema). */
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
const MS_PER_DAY = 86_400_000;

export async function runCycle(
  config: MonitorConfig,
  vantage: string,
  dependencies: CycleDependencies,
): Promise<CycleReport> {
  const now = dependencies.now ?? (() => new Date());
  const sleep = dependencies.sleep ?? defaultSleep;
  const ports: CheckPorts = { http: dependencies.http };
  const { retryDelayMs } = config.probe;
  const timestamp = now();
  const started = performance.now();
  const checks = await Promise.all(
    checkSpecs(config).map((spec) => {
      const budgetMs = checkBudgetMs(spec.timeoutMs, retryDelayMs) + WATCHDOG_SLACK_MS;
      return withinBudget(
        budgetMs,
        () => runCheck(spec, ports, sleep, retryDelayMs, timestamp),
        (): CheckResult => ({
          component: spec.component,
          check: spec.check,
          url: spec.url,
          status: "down",
          reason: `check did not finish within its ${budgetMs} ms budget (monitor fault)`,
          attempts: MAX_ATTEMPTS,
          timings: { totalMs: budgetMs },
        }),
      );
    }),
  );
  return { timestamp, vantage, durationMs: Math.round(performance.now() - started), checks };
}

/** Worst-case duration of one check: two attempts and the pause between them. */
export function checkBudgetMs(timeoutMs: number, retryDelayMs: number): number {
  return MAX_ATTEMPTS * timeoutMs + retryDelayMs;
}

async function runCheck(
  spec: CheckSpec,
  ports: CheckPorts,
  sleep: (ms: number) => Promise<void>,
  retryDelayMs: number,
  timestamp: Date,
): Promise<CheckResult> {
  let firstAttemptReason: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const outcome = await settle(
      () => spec.attempt(ports),
      (message): Attempt => ({
        verdict: { status: "down", reason: `probe error: ${message}` },
        timings: { totalMs: 0 },
      }),
    );
    if (outcome.verdict.status !== "down" || attempt >= MAX_ATTEMPTS) {
      return toResult(spec, outcome, attempt, firstAttemptReason, timestamp);
    }
    firstAttemptReason = outcome.verdict.reason;
    await sleep(retryDelayMs);
  }
}

function toResult(
  spec: CheckSpec,
  outcome: Attempt,
  attempts: number,
  firstAttemptReason: string | undefined,
  timestamp: Date,
): CheckResult {
  const { verdict, certificate } = outcome;
  return {
    component: spec.component,
    check: spec.check,
    url: spec.url,
    status: verdict.status,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
    attempts,
    ...(firstAttemptReason ? { firstAttemptReason } : {}),
    timings: outcome.timings,
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
