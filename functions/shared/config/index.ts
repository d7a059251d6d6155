/**
 * The one configuration schema, shared by the CLI, the Lambda handler and the CDK app.
 *
 * `parseConfig` validates everything and returns every problem at once, each with its path;
 * it never throws for bad input. Each section lives in its own module; file access (reading the
 * JSON, resolving `tls.caFile`) lives in `file.ts` so this module stays pure.
 */
import { z } from "zod";
import { DEFAULT_NAMESPACE } from "../metrics.ts";
import { alarmsSection } from "./alarms.ts";
import { alertsSection } from "./alerts.ts";
import { deploymentSection } from "./deployment.ts";
import { EVERY_PASS, integer, LIMITS, timeoutMs, vantage } from "./fields.ts";
import { type ConfigIssue, validate } from "./issues.ts";
import { maintenanceSection } from "./maintenance.ts";
import { metricsSection } from "./metrics.ts";
import { targetsSection } from "./targets.ts";

export type { AlarmOverride } from "./alarms.ts";
export type { Vantage, Vpc } from "./deployment.ts";
export type { EgressTarget } from "./egress.ts";
export type { BasicAuth, Credential, TargetTls } from "./fields.ts";
export { LIMITS, vantage } from "./fields.ts";
export type { HostTarget } from "./hosts.ts";
export { type ConfigIssue, formatIssues, formatPath, validate } from "./issues.ts";
export type { MaintenanceWindow } from "./maintenance.ts";
export type { MetricsDetail } from "./metrics.ts";
export type { RedisTarget } from "./redis.ts";
export type { BackendRequestsSource, GarageBuckets, GarageS3, Targets } from "./targets.ts";
export { type JoinTokenSource, joinTokenSource } from "./token-source.ts";

const namespace = z
  .string()
  // No abort on a problem (it would hold the cross-section rules back): `*` keeps an empty value
  // to the one "must not be empty".
  .min(1, { error: "must not be empty" })
  .max(255)
  .regex(/^[A-Za-z0-9.\-_/#:]*$/, { error: "may only contain letters, digits and . - _ / # :" })
  .refine((value) => !value.startsWith("AWS/"), { error: 'must not start with "AWS/" (reserved)' });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    namespace: namespace.default(DEFAULT_NAMESPACE),
    vantage: vantage.optional(),
    probe: z
      .strictObject({
        timeoutMs: timeoutMs.default(LIMITS.timeoutMs.default),
        retryDelayMs: integer()
          .min(LIMITS.retryDelayMs.min)
          .max(LIMITS.retryDelayMs.max, { error: `must be at most ${LIMITS.retryDelayMs.max} ms` })
          .default(LIMITS.retryDelayMs.default),
      })
      .prefault({}),
    targets: targetsSection,
    alerts: alertsSection,
    alarms: alarmsSection,
    deployment: deploymentSection,
    metrics: metricsSection,
    maintenance: maintenanceSection,
  })
  .superRefine((config, ctx) => {
    // Checks across sections: the consensus and the vantage name depend on how many vantages probe.
    // It may run when a section failed its own checks: the values may still be raw input here.
    const listed: unknown = config.deployment?.vantages;
    const vantages = Array.isArray(listed) ? listed.length : 1;
    const minVantages: unknown = config.alarms?.consensus?.minVantages;
    if (typeof minVantages === "number" && minVantages > vantages) {
      ctx.addIssue({
        code: "custom",
        path: ["alarms", "consensus", "minVantages"],
        message: `must not exceed the number of vantages (${vantages}): the down alarms could never fire`,
      });
    }
    if (config.vantage !== undefined && vantages > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["vantage"],
        message: "names a single probe: with several deployment.vantages each probe's Vantage is its region",
      });
    }
  }, EVERY_PASS);

export type MonitorConfigInput = z.input<typeof configSchema>;
export type MonitorConfig = z.output<typeof configSchema>;
/**
 * What the probe runs with: the sections the CDK app bundles with the function (infra's
 * `lambdaConfig`, read back by ./bundled.ts without the schema, so without its defaults: `metrics`
 * is there only when its detail is not the default); alerts, alarms, deployment and maintenance
 * stay out of it.
 */
export type ProbeConfig = Pick<MonitorConfig, "namespace" | "vantage" | "probe" | "targets"> & {
  readonly metrics?: Partial<MonitorConfig["metrics"]>;
};

export type ConfigResult =
  | { readonly ok: true; readonly config: MonitorConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Validates an already-parsed JSON value. Never throws for bad input. */
export function parseConfig(input: unknown): ConfigResult {
  const result = validate(configSchema, input);
  return result.ok ? { ok: true, config: result.data } : { ok: false, issues: result.issues };
}
