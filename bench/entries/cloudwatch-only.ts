/**
 * Baseline bundle: nothing but @aws-sdk/client-cloudwatch, imported as the probe imports it and
 * built with the probe's esbuild settings. The difference to the probe bundle is our own weight.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";

export async function handler(): Promise<boolean> {
  const client = new CloudWatchClient({});
  return client instanceof CloudWatchClient && typeof PutMetricDataCommand === "function";
}
