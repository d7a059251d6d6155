/**
 * CloudWatch Embedded Metric Format: the fallback when PutMetricData fails. In Lambda these lines
 * go to the function's log group, where CloudWatch extracts them as the same metrics.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { Datum } from "./datums.ts";

/** EMF allows at most 100 metrics per directive. */
const MAX_METRICS_PER_LINE = 100;

/** One JSON line per distinct dimension set and values, each holding that group's metrics. */
export function toEmfLines(namespace: string, timestamp: Date, datums: readonly Datum[]): string[] {
  const groups = new Map<string, Datum[]>();
  for (const item of datums) {
    const key = JSON.stringify(item.dimensions);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const lines: string[] = [];
  for (const group of groups.values()) {
    for (let offset = 0; offset < group.length; offset += MAX_METRICS_PER_LINE) {
      lines.push(emfLine(namespace, timestamp, group.slice(offset, offset + MAX_METRICS_PER_LINE)));
    }
  }
  return lines;
}

function emfLine(namespace: string, timestamp: Date, datums: readonly Datum[]): string {
  const first = datums[0];
  if (!first) return "";
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [first.dimensions.map((dimension) => dimension.name)],
          Metrics: datums.map((item) => ({ Name: item.name, Unit: item.unit, StorageResolution: 60 })),
        },
      ],
    },
  };
  for (const dimension of first.dimensions) record[dimension.name] = dimension.value;
  for (const item of datums) record[item.name] = item.value;
  return JSON.stringify(record);
}
