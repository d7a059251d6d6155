/** The backend's responses by status: ingress-nginx, django-prometheus, or a custom counter. */
import { mentions } from "../../prometheus/parse.ts";
import { bucketSeries, counterSeries, type Extractor, type Matcher, STATUS_5XX, select } from "./common.ts";

export interface RequestCounter {
  /** The counter's exposed name, exactly as in the page. */
  readonly metric: string;
  readonly statusLabel: string;
  /** Series must have these label values; a list gives alternative label names for one value. */
  readonly match: readonly { readonly labels: readonly string[]; readonly value: string }[];
  /** The response-time histogram (seconds) by its base name, filtered by the same match. */
  readonly histogram?: string;
}

export const INGRESS_NGINX_METRIC = "nginx_ingress_controller_requests";
export const DJANGO_PROMETHEUS_METRIC = "django_http_responses_total_by_status_total";
/** ingress-nginx's socket collector: the same labels as its requests counter, le added. */
export const INGRESS_NGINX_HISTOGRAM = "nginx_ingress_controller_request_duration_seconds";
/**
 * django-prometheus' latency of every request, middlewares included, without labels: the whole
 * backend (its `_by_view_method` sibling splits it by view).
 */
export const DJANGO_PROMETHEUS_HISTOGRAM = "django_http_requests_latency_including_middlewares_seconds";

export function extractRequests(counter: RequestCounter): Extractor {
  return (exposition) => {
    if (!mentions(exposition, counter.metric)) {
      return {
        ok: false,
        error: `no ${counter.metric} in the page: wrong URL, or the metric is named differently (check the preset)`,
      };
    }
    const notes: string[] = [];
    const matches: Matcher = (labels) =>
      counter.match.every((rule) => {
        const present = rule.labels.find((label) => labels[label] !== undefined);
        return present !== undefined && labels[present] === rule.value;
      });
    const series = select(exposition, counter.metric, matches);
    if (series.length === 0 && counter.match.length > 0) {
      const filter = counter.match.map((rule) => `${rule.labels.join("|")}="${rule.value}"`).join(", ");
      notes.push(`no ${counter.metric} series match ${filter} (yet)`);
    }
    const errors = series.filter((sample) => STATUS_5XX.test(sample.labels[counter.statusLabel] ?? ""));
    const histogram = counter.histogram;
    if (
      histogram !== undefined &&
      !mentions(exposition, `${histogram}_bucket`) &&
      !mentions(exposition, histogram)
    ) {
      notes.push(`no ${histogram}_bucket in the page: no response time figures`);
    }
    return {
      ok: true,
      extraction: {
        gauges: {},
        counters: { requests: counterSeries(series, notes), requests5xx: counterSeries(errors, []) },
        ...(histogram === undefined
          ? {}
          : { histograms: { responseTime: bucketSeries(exposition, histogram, matches, notes) } }),
        notes,
      },
    };
  };
}
