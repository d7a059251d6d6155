/**
 * The source kinds of the guide's other layers: Redis through redis_exporter, hosts through
 * node_exporter, bucket sizes through Garage's admin API, and LiveKit egress.
 */
import { joinUrl } from "../url.ts";
import { basic, entries, type SourceKind } from "./source-kind.ts";

/** GetBucketInfo by global alias, in each admin API version. */
const BUCKET_INFO_PATH = { v2: "/v2/GetBucketInfo", v1: "/v1/bucket" } as const;

export const LAYER_SOURCE_KINDS: readonly SourceKind[] = [
  {
    id: "redis",
    component: "redis",
    format: "prometheus",
    configuredBy: "`targets.redis.exporterUrl`",
    read: ({ targets: { redis } }) =>
      entries(
        redis?.exporterUrl,
        redis ?? {},
        basic(redis?.exporterBasicAuth, "targets.redis.exporterBasicAuth.password"),
      ),
  },
  {
    id: "host",
    component: "host",
    format: "prometheus",
    configuredBy: "`targets.hosts`",
    read: ({ targets: { hosts } }) =>
      (hosts ?? []).map((host, index) => ({
        url: host.url,
        scope: host,
        ...basic(host.basicAuth, `targets.hosts[${index}].basicAuth.password`),
        instance: { dimension: "Host", value: host.name },
      })),
  },
  {
    id: "bucket",
    component: "garage",
    format: "json",
    configuredBy: "`targets.garage.buckets`",
    read: ({ targets: { garage } }) => {
      const buckets = garage?.buckets;
      if (!garage || !buckets) return [];
      return buckets.names.map((name) => {
        const url = joinUrl(garage.adminUrl, BUCKET_INFO_PATH[buckets.api ?? "v2"]);
        url.searchParams.set("globalAlias", name);
        return {
          url,
          // The admin API is the garage target's own address: its options apply unless overridden.
          scope: {
            headers: buckets.headers ?? garage.headers,
            timeoutMs: buckets.timeoutMs ?? garage.timeoutMs,
            tls: buckets.tls ?? garage.tls,
          },
          auth: { type: "bearer", token: buckets.token, field: "targets.garage.buckets.token" },
          instance: { dimension: "Bucket", value: name },
        };
      });
    },
  },
  {
    id: "egress",
    component: "egress",
    format: "prometheus",
    configuredBy: "`targets.egress.metricsUrl`",
    read: ({ targets: { egress } }) => entries(egress?.metricsUrl, egress ?? {}),
  },
  {
    id: "egressHealth",
    component: "egress",
    format: "json",
    configuredBy: "`targets.egress.healthUrl`",
    read: ({ targets: { egress } }) => entries(egress?.healthUrl, egress ?? {}),
  },
];
