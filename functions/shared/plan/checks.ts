/**
 * Which health checks a configuration runs. The probe builds each check's request from this
 * list, and the alarms and the dashboard are planned from it, so the three cannot disagree.
 */
import type { MonitorConfig, Targets } from "../config/index.ts";
import { CHECK_NAME, type CheckComponent, type CheckName } from "../metrics.ts";

export interface PlannedCheck {
  readonly component: CheckComponent;
  readonly check: CheckName;
  /** The base URL the check talks to; https means a certificate is watched. */
  readonly baseUrl: string;
}

interface CheckKind {
  readonly component: CheckComponent;
  /** The configuration that turns the check on, as the docs write it. */
  readonly configuredBy: string;
  readonly baseUrl: (targets: Targets) => string | undefined;
}

/** Every kind of check, in the order the probe runs and reports them. */
export const CHECK_KINDS: readonly CheckKind[] = [
  { component: "backend", configuredBy: "`targets.backend`", baseUrl: (t) => t.backend?.url },
  { component: "livekit", configuredBy: "`targets.livekit`", baseUrl: (t) => t.livekit?.url },
  { component: "garage", configuredBy: "`targets.garage`", baseUrl: (t) => t.garage?.adminUrl },
];

export function planChecks(config: MonitorConfig): PlannedCheck[] {
  return CHECK_KINDS.flatMap((kind) => {
    const baseUrl = kind.baseUrl(config.targets);
    return baseUrl === undefined
      ? []
      : [{ component: kind.component, check: CHECK_NAME[kind.component], baseUrl }];
  });
}

export function checkKind(component: CheckComponent): CheckKind {
  const kind = CHECK_KINDS.find((candidate) => candidate.component === component);
  if (!kind) throw new Error(`no check kind for ${component}`);
  return kind;
}

/** The checks whose base URL is https: their certificates' expiry is published and alarmed. */
export function httpsChecks(checks: readonly PlannedCheck[]): PlannedCheck[] {
  return checks.filter((check) => check.baseUrl.startsWith("https:"));
}
