/** The `metrics` section: how much each probe publishes. */
import { z } from "zod";

/**
 * `full` publishes every check metric, the phase timings included; `essential` only Up, Latency,
 * Degraded, CertDaysLeft, the heartbeat and the white-box figures (the phases stay in the logs).
 */
export const METRICS_DETAILS = ["full", "essential"] as const;
export type MetricsDetail = (typeof METRICS_DETAILS)[number];

export const metricsSection = z
  .strictObject({
    /** @default `full` with one vantage; with several, `full` at home and `essential` elsewhere */
    detail: z.enum(METRICS_DETAILS, { error: 'must be "full" or "essential"' }).optional(),
  })
  .prefault({});
