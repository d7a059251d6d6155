/**
 * The checks a configuration runs: the plan names them (../../shared/plan), each module here
 * builds its own. A new kind of check is a new module and one line in `BUILDERS`.
 */
import type { MonitorConfig } from "../../shared/config/index.ts";
import type { CheckComponent } from "../../shared/metrics.ts";
import { planChecks } from "../../shared/plan/checks.ts";
import { backendHeartbeatCheck } from "./backend-heartbeat.ts";
import type { CheckSpec } from "./check.ts";
import { garageHealthCheck } from "./garage-health.ts";
import { livekitHealthCheck } from "./livekit-health.ts";

export type { Attempt, CheckPorts, CheckSpec, CheckStatus, Verdict } from "./check.ts";
export { HEALTH_BODY_LIMIT } from "./http-check.ts";

const BUILDERS: Readonly<Record<CheckComponent, (config: MonitorConfig) => CheckSpec | undefined>> = {
  backend: backendHeartbeatCheck,
  livekit: livekitHealthCheck,
  garage: garageHealthCheck,
};

/** The checks of the plan, in its order. */
export function checkSpecs(config: MonitorConfig): CheckSpec[] {
  return planChecks(config).flatMap((planned) => {
    const spec = BUILDERS[planned.component](config);
    return spec ? [spec] : [];
  });
}
