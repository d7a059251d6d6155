/** `targets.redis`: Redis through redis_exporter, or an ElastiCache node through its CloudWatch metrics. */
import { z } from "zod";
import { basicAuth, EVERY_PASS, httpUrl, requestOptions } from "./fields.ts";

/** ElastiCache names a single-node cluster's only node, and a replication group's nodes, 0001. */
export const DEFAULT_CACHE_NODE_ID = "0001";

export const redisTarget = z
  .strictObject({
    /** Debian's prometheus-redis-exporter (oliver006/redis_exporter), port 9121, /metrics. */
    exporterUrl: httpUrl.optional(),
    exporterBasicAuth: basicAuth.optional(),
    /** An ElastiCache (Redis OSS or Valkey) cluster node: its AWS/ElastiCache metrics are used. */
    cacheClusterId: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,49}$/, { error: "must be an ElastiCache cluster id (CacheClusterId)" })
      .optional(),
    /** @default "0001" */
    cacheNodeId: z
      .string()
      .regex(/^\d{4}$/, { error: 'must be a four-digit ElastiCache node id such as "0001"' })
      .optional(),
    ...requestOptions,
  })
  .superRefine((redis, ctx) => {
    if ((redis.exporterUrl === undefined) === (redis.cacheClusterId === undefined)) {
      ctx.addIssue({ code: "custom", message: "set exactly one of exporterUrl or cacheClusterId" });
    }
    if (redis.cacheNodeId !== undefined && redis.cacheClusterId === undefined) {
      ctx.addIssue({ code: "custom", path: ["cacheNodeId"], message: "only applies with cacheClusterId" });
    }
    if (redis.exporterBasicAuth !== undefined && redis.exporterUrl === undefined) {
      ctx.addIssue({ code: "custom", path: ["exporterBasicAuth"], message: "only applies with exporterUrl" });
    }
  }, EVERY_PASS);

export type RedisTarget = z.output<typeof redisTarget>;
