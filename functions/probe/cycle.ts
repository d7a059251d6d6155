/**
 * One probe cycle: every configured check runs concurrently, each retried once after a short
 * pause when it fails, so a single lost packet never pages anyone. A hung target costs its own
 * timeout, never the sum. A check that needs another's output (TURN after the join) starts when
 * that one has its result and shares the cycle's budget: it never lengthens the cycle. Whatever
 * happens, every check yields a result, or a line saying why it was not checked.
 */
import type { ProbeConfig } from "../shared/config/index.ts";
import type { CheckComponent, CheckMeasurementName, CheckName } from "../shared/metrics.ts";
import {
  type Attempt,
  type AttemptContext,
  type CheckOutput,
  type CheckPorts,
  type CheckRef,
  type CheckSpec,
  type CheckStatus,
  checkSpecs,
  isNotChecked,
  type NotChecked,
  type UpstreamOutcome,
} from "./checks/index.ts";
import { type CredentialResolver, scrub } from "./credentials.ts";
import { settle, WATCHDOG_SLACK_MS, withinBudget } from "./guard.ts";
import type { HttpPort, PhaseTimings } from "./http.ts";
import type { StunPort, WebSocketPort } from "./sockets.ts";

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
  /** Facts of the last attempt worth a log line (LiveKit's version and region for the join). */
  readonly info?: Readonly<Record<string, string>>;
  /** Measurements of the last attempt besides the timings (the join's ping round trip). */
  readonly measurements?: Readonly<Partial<Record<CheckMeasurementName, number>>>;
}

/** A planned check with nothing to check this cycle (a TURN transport the join did not list). */
export interface SkippedCheck {
  readonly component: CheckComponent;
  readonly check: CheckName;
  readonly url: string;
  readonly reason: string;
}

export interface CycleReport {
  /** The cycle's single timestamp: every datum of the cycle carries it. */
  readonly timestamp: Date;
  readonly vantage: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  /** Checks that were not run this cycle: nothing of theirs is published. */
  readonly skipped?: readonly SkippedCheck[];
}

export interface CycleDependencies {
  readonly http: HttpPort;
  /** The deep checks' ports; absent, a deep check is down with a wiring fault. */
  readonly webSocket?: WebSocketPort;
  readonly stun?: StunPort;
  /** Credentials of the deep checks (LiveKit API secret, S3 secret key). */
  readonly credentials?: CredentialResolver;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export const MAX_ATTEMPTS = 2;
/** A check that runs after another is not started with less time than this left. */
export const MIN_DEPENDENT_ATTEMPT_MS = 200;
const MS_PER_DAY = 86_400_000;

type Outcome =
  | { readonly result: CheckResult; readonly output?: CheckOutput }
  | { readonly skipped: SkippedCheck };

interface CycleRun {
  readonly ports: CheckPorts;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retryDelayMs: number;
  readonly timestamp: Date;
  readonly started: number;
  /** Every check of the cycle finishes within this many ms of the start (watchdog slack aside). */
  readonly budgetMs: number;
}

export function runCycle(
  config: ProbeConfig,
  vantage: string,
  dependencies: CycleDependencies,
): Promise<CycleReport> {
  return runChecks(checkSpecs(config, vantage), config.probe, vantage, dependencies);
}

/** Runs `specs` as one cycle (exported for the tests of the cycle's own rules). */
export async function runChecks(
  specs: readonly CheckSpec[],
  probe: { readonly retryDelayMs: number },
  vantage: string,
  dependencies: CycleDependencies,
): Promise<CycleReport> {
  const now = dependencies.now ?? (() => new Date());
  const { retryDelayMs } = probe;
  const run: CycleRun = {
    ports: {
      http: dependencies.http,
      webSocket: dependencies.webSocket ?? { open: () => unwired("WebSocket") },
      stun: dependencies.stun ?? { open: () => unwired("STUN") },
      credentials: dependencies.credentials ?? {
        mode: "local",
        resolve: () => unwired("credential"),
        invalidate: () => undefined,
        knownValues: () => [],
      },
    },
    sleep: dependencies.sleep ?? defaultSleep,
    retryDelayMs,
    timestamp: now(),
    started: performance.now(),
    budgetMs: Math.max(0, ...specs.map((spec) => checkBudgetMs(spec.timeoutMs, retryDelayMs))),
  };
  // The plan lists a check after the one it needs, so its upstream is always started first.
  const running = new Map<string, Promise<Outcome>>();
  for (const spec of specs) {
    const upstream = spec.after ? running.get(refKey(spec.after)) : undefined;
    running.set(refKey(spec), spec.after ? runAfter(spec, upstream, run) : runIndependent(spec, run));
  }
  const outcomes = await Promise.all(running.values());
  return {
    timestamp: run.timestamp,
    vantage,
    durationMs: Math.round(performance.now() - run.started),
    checks: outcomes.flatMap((outcome) => ("result" in outcome ? [outcome.result] : [])),
    skipped: outcomes.flatMap((outcome) => ("skipped" in outcome ? [outcome.skipped] : [])),
  };
}

/** Worst-case duration of one check: two attempts and the pause between them. */
export function checkBudgetMs(timeoutMs: number, retryDelayMs: number): number {
  return MAX_ATTEMPTS * timeoutMs + retryDelayMs;
}

function runIndependent(spec: CheckSpec, run: CycleRun): Promise<Outcome> {
  const budgetMs = checkBudgetMs(spec.timeoutMs, run.retryDelayMs) + WATCHDOG_SLACK_MS;
  return watched(spec, budgetMs, () => runCheck(spec, run, spec.timeoutMs, undefined));
}

/** Runs `spec` once its upstream has its outcome, with what is left of the cycle's budget. */
async function runAfter(
  spec: CheckSpec,
  upstream: Promise<Outcome> | undefined,
  run: CycleRun,
): Promise<Outcome> {
  const before = await upstream;
  if (before === undefined || "skipped" in before) {
    return skipped(spec, `not checked: ${spec.after?.component}/${spec.after?.check} did not run`);
  }
  const remainingMs = run.budgetMs - (performance.now() - run.started);
  const timeoutMs = Math.min(spec.timeoutMs, Math.floor((remainingMs - run.retryDelayMs) / MAX_ATTEMPTS));
  if (timeoutMs < MIN_DEPENDENT_ATTEMPT_MS) {
    return skipped(
      spec,
      `not checked: ${spec.after?.component}/${spec.after?.check} used the cycle's budget (${run.budgetMs} ms)`,
    );
  }
  const input: UpstreamOutcome = {
    status: before.result.status,
    ...(before.output ? { output: before.output } : {}),
  };
  const budgetMs = checkBudgetMs(timeoutMs, run.retryDelayMs) + WATCHDOG_SLACK_MS;
  return watched(spec, budgetMs, () => runCheck(spec, run, timeoutMs, input));
}

function watched(spec: CheckSpec, budgetMs: number, body: () => Promise<Outcome>): Promise<Outcome> {
  return withinBudget(budgetMs, body, () => ({
    result: {
      component: spec.component,
      check: spec.check,
      url: spec.url,
      status: "down",
      reason: `check did not finish within its ${budgetMs} ms budget (monitor fault)`,
      attempts: MAX_ATTEMPTS,
      timings: { totalMs: budgetMs },
    },
  }));
}

async function runCheck(
  spec: CheckSpec,
  run: CycleRun,
  timeoutMs: number,
  upstream: UpstreamOutcome | undefined,
): Promise<Outcome> {
  const secrets: string[] = [];
  const context: AttemptContext = {
    timeoutMs,
    ...(upstream ? { upstream } : {}),
    redact: (value) => {
      if (value !== "") secrets.push(value);
    },
  };
  const clean = (text: string): string => scrub(text, [...secrets, ...run.ports.credentials.knownValues()]);
  let firstAttemptReason: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const outcome = await settle(
      () => spec.attempt(run.ports, context),
      (message): Attempt | NotChecked => ({
        verdict: { status: "down", reason: `probe error: ${message}` },
        timings: { totalMs: 0 },
      }),
    );
    if (isNotChecked(outcome)) return skipped(spec, clean(outcome.notChecked));
    if (outcome.verdict.status !== "down" || attempt >= MAX_ATTEMPTS) {
      const result = toResult(spec, outcome, attempt, firstAttemptReason, run.timestamp, clean);
      return { result, ...(outcome.output ? { output: outcome.output } : {}) };
    }
    firstAttemptReason = outcome.verdict.reason;
    await run.sleep(run.retryDelayMs);
  }
}

function toResult(
  spec: CheckSpec,
  outcome: Attempt,
  attempts: number,
  firstAttemptReason: string | undefined,
  timestamp: Date,
  clean: (text: string) => string,
): CheckResult {
  const { verdict, certificate } = outcome;
  const info = outcome.info
    ? Object.fromEntries(Object.entries(outcome.info).map(([key, value]) => [key, clean(value)]))
    : undefined;
  return {
    component: spec.component,
    check: spec.check,
    url: clean(outcome.target ?? spec.url),
    status: verdict.status,
    ...(verdict.reason ? { reason: clean(verdict.reason) } : {}),
    ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
    attempts,
    ...(firstAttemptReason ? { firstAttemptReason: clean(firstAttemptReason) } : {}),
    timings: outcome.timings,
    ...(certificate
      ? {
          certDaysLeft:
            Math.round(((certificate.validTo.getTime() - timestamp.getTime()) / MS_PER_DAY) * 100) / 100,
          certExpiresAt: certificate.validTo.toISOString(),
        }
      : {}),
    ...(info ? { info } : {}),
    ...(outcome.measurements ? { measurements: outcome.measurements } : {}),
  };
}

function skipped(spec: CheckSpec, reason: string): Outcome {
  return { skipped: { component: spec.component, check: spec.check, url: spec.url, reason } };
}

function refKey(ref: CheckRef): string {
  return `${ref.component}/${ref.check}`;
}

/** A port the caller did not wire: its use fails with a message naming it. */
function unwired(name: string): Promise<never> {
  return Promise.reject(new Error(`no ${name} port was given to the cycle (monitor wiring fault)`));
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
