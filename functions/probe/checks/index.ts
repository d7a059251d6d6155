/**
 * The checks a configuration runs: the plan names them (../../shared/plan), each module here
 * builds its own. A new kind of check is a new module and one line in `BUILDERS`.
 */
import type { ProbeConfig } from "../../shared/config/index.ts";
import type { CheckComponent, CheckName } from "../../shared/metrics.ts";
import { planChecks } from "../../shared/plan/checks.ts";
import { backendHeartbeatCheck } from "./backend-heartbeat.ts";
import { backendWebhookCheck } from "./backend-webhook.ts";
import type { CheckSpec } from "./check.ts";
import { garageHealthCheck } from "./garage-health.ts";
import { garageS3Check } from "./garage-s3.ts";
import { livekitHealthCheck } from "./livekit-health.ts";
import { livekitJoinCheck } from "./livekit-join.ts";
import { livekitTurnCheck } from "./livekit-turn.ts";

export type {
  Attempt,
  AttemptContext,
  CheckOutput,
  CheckPorts,
  CheckRef,
  CheckSpec,
  CheckStatus,
  NotChecked,
  UpstreamOutcome,
  Verdict,
} from "./check.ts";
export { isNotChecked } from "./check.ts";
export { HEALTH_BODY_LIMIT } from "./http-check.ts";

type Builder = (config: ProbeConfig, vantage: string) => CheckSpec | undefined;

/** Each planned check's builder, by `component/check`. */
const BUILDERS: Readonly<Record<string, Builder>> = {
  "backend/heartbeat": backendHeartbeatCheck,
  "livekit/health": livekitHealthCheck,
  "garage/health": garageHealthCheck,
  // Deep checks (docs/deep-checks.md).
  "livekit/join": livekitJoinCheck,
  "livekit/turn-udp": livekitTurnCheck("turn-udp"),
  "livekit/turn-tcp": livekitTurnCheck("turn-tcp"),
  "livekit/turn-tls": livekitTurnCheck("turn-tls"),
  "backend/webhook": backendWebhookCheck,
  "garage/s3": garageS3Check,
};

/** The checks of the plan, in its order. */
export function checkSpecs(config: ProbeConfig, vantage: string): CheckSpec[] {
  return planChecks(config).flatMap((planned) => {
    const builder = BUILDERS[builderKey(planned.component, planned.check)];
    if (!builder) throw new Error(`no builder for the planned check ${planned.component}/${planned.check}`);
    const spec = builder(config, vantage);
    return spec ? [spec] : [];
  });
}

function builderKey(component: CheckComponent, check: CheckName): string {
  return `${component}/${check}`;
}
