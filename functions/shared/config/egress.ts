/** `targets.egress`: LiveKit egress, the workers that record rooms. */
import { z } from "zod";
import { EVERY_PASS, metricsUrls, requestOptions } from "./fields.ts";

export const egressTarget = z
  .strictObject({
    /** Each worker's Prometheus endpoint (egress `prometheus_port`): one URL per worker. */
    metricsUrl: metricsUrls.optional(),
    /** Each worker's health endpoint (egress `health_port`), when its Prometheus port is off. */
    healthUrl: metricsUrls.optional(),
    /**
     * With healthUrl: the CPUs a room recording needs (egress' `cpu_cost.room_composite_cpu_cost`);
     * a worker is available when its health answer shows at least this much CPU free.
     */
    roomCompositeCpuCost: z.number().min(0.01).max(1024).optional(),
    ...requestOptions,
  })
  .superRefine((egress, ctx) => {
    if ((egress.metricsUrl === undefined) === (egress.healthUrl === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "set exactly one of metricsUrl (preferred: also counts failed recordings) or healthUrl",
      });
    }
    if (egress.roomCompositeCpuCost !== undefined && egress.healthUrl === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["roomCompositeCpuCost"],
        message: "only applies with healthUrl (the Prometheus page says itself whether a worker can accept)",
      });
    }
  }, EVERY_PASS);

export type EgressTarget = z.output<typeof egressTarget>;
