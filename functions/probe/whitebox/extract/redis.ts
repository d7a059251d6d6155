/** Redis through redis_exporter (oliver006/redis_exporter, Debian's prometheus-redis-exporter). */
import { mentions } from "../../prometheus/parse.ts";
import {
  counterSeries,
  defined,
  type Extractor,
  type GaugeKey,
  maxGauge,
  mentionedCounter,
  select,
} from "./common.ts";

const all = () => true;

export const REDIS = {
  up: "redis_up",
  used: "redis_memory_used_bytes",
  max: "redis_memory_max_bytes",
  /** Older exporters have only the config value; newer ones both. */
  maxConfig: "redis_config_maxmemory",
  clients: "redis_connected_clients",
  hits: "redis_keyspace_hits_total",
  misses: "redis_keyspace_misses_total",
  rejected: "redis_rejected_connections_total",
  evicted: "redis_evicted_keys_total",
} as const;

export const extractRedis: Extractor = (exposition) => {
  if (!mentions(exposition, REDIS.up)) {
    return { ok: false, error: `no ${REDIS.up} in the page: not redis_exporter's /metrics (port 9121)` };
  }
  const up = maxGauge(select(exposition, REDIS.up));
  if (up === undefined) return { ok: false, error: `${REDIS.up} has no finite value` };
  if (up < 1) {
    // The exporter answers but could not reach Redis: only redis_up means anything then.
    return {
      ok: true,
      extraction: {
        gauges: { redisUp: 0 },
        counters: {},
        notes: ["redis_up is 0: the exporter cannot reach Redis; its other figures are not published"],
      },
    };
  }
  const notes: string[] = [];
  const gauges: Partial<Record<GaugeKey, number>> = { redisUp: 1 };
  const used = maxGauge(select(exposition, REDIS.used));
  const max = maxGauge(select(exposition, REDIS.max)) ?? maxGauge(select(exposition, REDIS.maxConfig));
  if (used === undefined || max === undefined) {
    notes.push(`no ${REDIS.used} and ${REDIS.max} (or ${REDIS.maxConfig}) in the page`);
  } else if (max <= 0) {
    notes.push(
      "maxmemory is 0 (no limit): RedisMemoryPercent is not published; Redis grows until the host's memory runs out and never evicts",
    );
  } else gauges.redisMemoryPercent = (100 * used) / max;
  const clients = maxGauge(select(exposition, REDIS.clients));
  if (clients !== undefined) gauges.redisClients = clients;
  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        ...(mentions(exposition, REDIS.hits) && mentions(exposition, REDIS.misses)
          ? {
              redisHits: counterSeries(select(exposition, REDIS.hits), notes),
              redisLookups: counterSeries(
                [...select(exposition, REDIS.hits), ...select(exposition, REDIS.misses)],
                [],
              ),
            }
          : {}),
        ...defined("redisRejected", mentionedCounter(exposition, REDIS.rejected, all, notes)),
        ...defined("redisEvicted", mentionedCounter(exposition, REDIS.evicted, all, notes)),
      },
      notes,
    },
  };
};
