/**
 * Which checks a configuration runs. The probe builds each check from this list, and the alarms
 * and the dashboard are planned from it, so the three cannot disagree.
 */

import type { ProbeConfig, Targets } from "../config/index.ts";
import { joinTokenSource } from "../config/token-source.ts";
import { CHECK_NAME, type CheckComponent, type CheckName } from "../metrics.ts";

export interface PlannedCheck {
  readonly component: CheckComponent;
  readonly check: CheckName;
  /** The base URL the check talks to (or derives its address from, for TURN). */
  readonly baseUrl: string;
}

interface CheckKind {
  readonly component: CheckComponent;
  readonly check: CheckName;
  /** The configuration that turns the check on, as the docs write it. */
  readonly configuredBy: string;
  readonly baseUrl: (targets: Targets) => string | undefined;
  /**
   * The certificate it publishes (CertDaysLeft) and the expiry alarms watch: https health checks,
   * and the deep checks that reach a host no health check covers (S3 endpoint, TURN over TLS).
   */
  readonly watchesCertificate: (baseUrl: string) => boolean;
}

const isHttps = (url: string): boolean => url.startsWith("https:");
const never = (): boolean => false;

/** The join runs when it has a token source (and is not switched off). */
const joinUrl = (targets: Targets): string | undefined =>
  joinTokenSource(targets) === undefined ? undefined : targets.livekit?.url;

/** The TURN checks follow the join, unless `join.turn` is false. */
const turnUrl = (targets: Targets): string | undefined =>
  targets.livekit?.join?.turn === false ? undefined : joinUrl(targets);

/** Every kind of check, in the order the probe runs and reports them. */
export const CHECK_KINDS: readonly CheckKind[] = [
  {
    component: "backend",
    check: CHECK_NAME.backend,
    configuredBy: "`targets.backend`",
    baseUrl: (t) => t.backend?.url,
    watchesCertificate: isHttps,
  },
  {
    component: "livekit",
    check: CHECK_NAME.livekit,
    configuredBy: "`targets.livekit`",
    baseUrl: (t) => t.livekit?.url,
    watchesCertificate: isHttps,
  },
  {
    component: "garage",
    check: CHECK_NAME.garage,
    configuredBy: "`targets.garage`",
    baseUrl: (t) => t.garage?.adminUrl,
    watchesCertificate: isHttps,
  },
  // Deep checks (docs/deep-checks.md): join, TURN per transport, webhook, S3.
  {
    component: "livekit",
    check: "join",
    configuredBy: "`targets.livekit.apiKey` and `apiSecret`, or `targets.backend.connectionTest`",
    baseUrl: joinUrl,
    watchesCertificate: never,
  },
  {
    component: "livekit",
    check: "turn-udp",
    configuredBy: "the join (`join.turn` not false)",
    baseUrl: turnUrl,
    watchesCertificate: never,
  },
  {
    component: "livekit",
    check: "turn-tcp",
    configuredBy: "the join (`join.turn` not false)",
    baseUrl: turnUrl,
    watchesCertificate: never,
  },
  {
    component: "livekit",
    check: "turn-tls",
    configuredBy: "the join (`join.turn` not false)",
    baseUrl: turnUrl,
    watchesCertificate: () => true,
  },
  {
    component: "backend",
    check: "webhook",
    configuredBy: "`targets.backend.webhook`",
    baseUrl: (t) => (t.backend?.webhook === true ? t.backend.url : undefined),
    watchesCertificate: never,
  },
  {
    component: "garage",
    check: "s3",
    configuredBy: "`targets.garage.s3`",
    baseUrl: (t) => t.garage?.s3?.endpoint,
    watchesCertificate: isHttps,
  },
];

export function planChecks(config: ProbeConfig): PlannedCheck[] {
  return CHECK_KINDS.flatMap((kind) => {
    const baseUrl = kind.baseUrl(config.targets);
    return baseUrl === undefined ? [] : [{ component: kind.component, check: kind.check, baseUrl }];
  });
}

/** The kind of a check; the component's health check when `check` is not given. */
export function checkKind(component: CheckComponent, check: CheckName = CHECK_NAME[component]): CheckKind {
  const kind = CHECK_KINDS.find(
    (candidate) => candidate.component === component && candidate.check === check,
  );
  if (!kind) throw new Error(`no check kind for ${component}/${check}`);
  return kind;
}

/** Whether a planned check is its component's health check (the first kind of checks). */
export function isHealthCheck(check: Pick<PlannedCheck, "component" | "check">): boolean {
  return CHECK_NAME[check.component] === check.check;
}

/** The checks whose certificate's expiry is published and alarmed. */
export function httpsChecks(checks: readonly PlannedCheck[]): PlannedCheck[] {
  return checks.filter((check) => checkKind(check.component, check.check).watchesCertificate(check.baseUrl));
}
