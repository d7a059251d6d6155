/** Garage's admin /metrics (one page per node; newer builds prefix every name with garage_). */
import { type Exposition, mentions, seriesKey } from "../../prometheus/parse.ts";
import { counterSeries, type Extractor, type GaugeKey, labelIs, STATUS_5XX, select } from "./common.ts";

const GARAGE_NAMES = [
  "local_disk_avail",
  "local_disk_total",
  "cluster_healthy",
  "api_s3_request_counter",
  "api_s3_error_counter",
] as const;
type GarageName = (typeof GARAGE_NAMES)[number];

/** The spelling this page uses for a Garage metric: `garage_<name>` when present, else `<name>`. */
export function garageName(exposition: Exposition, name: GarageName): string {
  return mentions(exposition, `garage_${name}`) ? `garage_${name}` : name;
}

export const extractGarage: Extractor = (exposition) => {
  const name = (plain: GarageName): string => garageName(exposition, plain);
  if (!GARAGE_NAMES.some((plain) => mentions(exposition, name(plain)))) {
    return {
      ok: false,
      error:
        "none of Garage's metrics (cluster_healthy, local_disk_avail, api_s3_request_counter, with or without garage_) in the page: not Garage's admin /metrics",
    };
  }
  const notes: string[] = [];
  const gauges: Partial<Record<GaugeKey, number>> = {};

  const data = labelIs("volume", "data");
  const totals = new Map(
    select(exposition, name("local_disk_total"), data).map((sample) => [
      labelKey(sample.labels),
      sample.value,
    ]),
  );
  let lowest: number | undefined;
  for (const avail of select(exposition, name("local_disk_avail"), data)) {
    const total = totals.get(labelKey(avail.labels));
    if (total === undefined || !(total > 0) || !Number.isFinite(avail.value)) continue;
    const percent = (100 * avail.value) / total;
    lowest = lowest === undefined ? percent : Math.min(lowest, percent);
  }
  if (lowest === undefined) {
    notes.push(`no usable ${name("local_disk_avail")}/${name("local_disk_total")}{volume="data"} pair`);
  } else gauges.diskFreePercent = lowest;

  const healthy = select(exposition, name("cluster_healthy")).filter((s) => Number.isFinite(s.value));
  if (healthy.length === 0) notes.push(`no ${name("cluster_healthy")} sample`);
  else gauges.clusterHealthy = Math.min(...healthy.map((s) => s.value));

  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        s3Requests: counterSeries(select(exposition, name("api_s3_request_counter")), notes),
        s3Errors5xx: counterSeries(
          select(exposition, name("api_s3_error_counter"), (labels) =>
            STATUS_5XX.test(labels.status_code ?? ""),
          ),
          notes,
        ),
      },
      notes,
    },
  };
};

function labelKey(labels: Readonly<Record<string, string>>): string {
  return seriesKey("", labels);
}
