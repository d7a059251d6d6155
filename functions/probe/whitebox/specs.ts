/**
 * The sources the probe reads: the plan's sources (../../shared/plan/sources.ts), each with the
 * extractor of its kind (for the backend, of its preset).
 */

import { DEFAULT_ROOM_COMPOSITE_CPU_COST } from "../../shared/config/defaults.ts";
import type { BackendRequestsSource, ProbeConfig } from "../../shared/config/index.ts";
import { type PlannedSource, planSources, type SourceKindId } from "../../shared/plan/sources.ts";
import {
  DJANGO_PROMETHEUS_HISTOGRAM,
  DJANGO_PROMETHEUS_METRIC,
  type Extractor,
  extractBucketInfo,
  extractEgress,
  extractEgressHealth,
  extractGarage,
  extractLivekit,
  extractNode,
  extractPostgres,
  extractRedis,
  extractRequests,
  INGRESS_NGINX_HISTOGRAM,
  INGRESS_NGINX_METRIC,
  type JsonExtractor,
  type RequestCounter,
} from "./extract/index.ts";

/** How a source's answer becomes an extraction, by the format of the answer. */
export type SourceReader =
  | { readonly format: "prometheus"; readonly extract: Extractor }
  | { readonly format: "json"; readonly extract: JsonExtractor };

export interface SourceSpec extends PlannedSource {
  readonly reader: SourceReader;
}

/** Every source the configuration asks for, one per URL, in the plan's order. */
export function sourceSpecs(config: ProbeConfig): SourceSpec[] {
  const readers = readersFor(config);
  return planSources(config).map((planned) => ({ ...planned, reader: readers[planned.kind] }));
}

function readersFor(config: ProbeConfig): Record<SourceKindId, SourceReader> {
  const requests = config.targets.backend?.requests;
  const prometheus = (extract: Extractor): SourceReader => ({ format: "prometheus", extract });
  const cost = config.targets.egress?.roomCompositeCpuCost ?? DEFAULT_ROOM_COMPOSITE_CPU_COST;
  return {
    livekit: prometheus(extractLivekit),
    garage: prometheus(extractGarage),
    database: prometheus(extractPostgres),
    backend: prometheus(
      requests && requests.preset !== "alb"
        ? extractRequests(requestCounter(requests))
        : () => ({ ok: false, error: "no scraped request counter configured" }),
    ),
    redis: prometheus(extractRedis),
    host: prometheus(extractNode),
    bucket: { format: "json", extract: extractBucketInfo },
    egress: prometheus(extractEgress),
    egressHealth: { format: "json", extract: extractEgressHealth(cost) },
  };
}

function requestCounter(requests: Exclude<BackendRequestsSource, { preset: "alb" }>): RequestCounter {
  switch (requests.preset) {
    case "ingress-nginx":
      return {
        metric: INGRESS_NGINX_METRIC,
        statusLabel: "status",
        histogram: INGRESS_NGINX_HISTOGRAM,
        match: [
          ...(requests.ingress === undefined ? [] : [{ labels: ["ingress"], value: requests.ingress }]),
          // A Prometheus server renames the controller's `namespace` to `exported_namespace`.
          ...(requests.namespace === undefined
            ? []
            : [{ labels: ["exported_namespace", "namespace"], value: requests.namespace }]),
        ],
      };
    case "django-prometheus":
      return {
        metric: DJANGO_PROMETHEUS_METRIC,
        statusLabel: "status",
        histogram: DJANGO_PROMETHEUS_HISTOGRAM,
        match: [],
      };
    case "custom":
      return {
        metric: requests.metric,
        statusLabel: requests.statusLabel,
        ...(requests.histogram === undefined ? {} : { histogram: requests.histogram }),
        match: Object.entries(requests.match ?? {}).map(([label, value]) => ({ labels: [label], value })),
      };
  }
}
