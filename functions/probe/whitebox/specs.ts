/**
 * The sources the probe reads: the plan's sources (../../shared/plan/sources.ts), each with the
 * extractor of its component (for the backend, of its preset).
 */
import type { BackendRequestsSource, MonitorConfig } from "../../shared/config/index.ts";
import type { SourceComponent } from "../../shared/metrics.ts";
import { type PlannedSource, planSources } from "../../shared/plan/sources.ts";
import {
  DJANGO_PROMETHEUS_METRIC,
  type Extractor,
  extractGarage,
  extractLivekit,
  extractPostgres,
  extractRequests,
  INGRESS_NGINX_METRIC,
  type RequestCounter,
} from "./extract/index.ts";

export interface SourceSpec extends PlannedSource {
  readonly extract: Extractor;
}

/** Every source the configuration asks for, one per URL, in the plan's order. */
export function sourceSpecs(config: MonitorConfig): SourceSpec[] {
  const extractors = extractorsFor(config);
  return planSources(config).map((planned) => ({ ...planned, extract: extractors[planned.component] }));
}

function extractorsFor(config: MonitorConfig): Record<SourceComponent, Extractor> {
  const requests = config.targets.backend?.requests;
  return {
    livekit: extractLivekit,
    garage: extractGarage,
    database: extractPostgres,
    backend:
      requests && requests.preset !== "alb"
        ? extractRequests(requestCounter(requests))
        : () => ({ ok: false, error: "no scraped request counter configured" }),
  };
}

function requestCounter(requests: Exclude<BackendRequestsSource, { preset: "alb" }>): RequestCounter {
  switch (requests.preset) {
    case "ingress-nginx":
      return {
        metric: INGRESS_NGINX_METRIC,
        statusLabel: "status",
        match: [
          ...(requests.ingress === undefined ? [] : [{ labels: ["ingress"], value: requests.ingress }]),
          // A Prometheus server renames the controller's `namespace` to `exported_namespace`.
          ...(requests.namespace === undefined
            ? []
            : [{ labels: ["exported_namespace", "namespace"], value: requests.namespace }]),
        ],
      };
    case "django-prometheus":
      return { metric: DJANGO_PROMETHEUS_METRIC, statusLabel: "status", match: [] };
    case "custom":
      return {
        metric: requests.metric,
        statusLabel: requests.statusLabel,
        match: Object.entries(requests.match ?? {}).map(([label, value]) => ({ labels: [label], value })),
      };
  }
}
