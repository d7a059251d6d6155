/**
 * Baseline bundle: nothing but @aws-sdk/client-cloudwatch, imported as the probe imports it and
 * built with the probe's esbuild settings. The difference to the probe bundle is our own weight.
 * Invoked, it publishes one datum, the least a metric-publishing Lambda does: its first invocation
 * in a fresh process is the baseline of the probe's cold start.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";

let client: CloudWatchClient | undefined;

export async function handler(): Promise<{ published: boolean; down: number }> {
  client ??= new CloudWatchClient({});
  await client.send(
    new PutMetricDataCommand({
      Namespace: "MeetMonitorBaseline",
      MetricData: [{ MetricName: "Heartbeat", Value: 1, Unit: "Count" }],
    }),
  );
  return { published: true, down: 0 };
}
