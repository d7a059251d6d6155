/**
 * PutMetricData through the real SDK client. The client honours the standard AWS environment:
 * AWS_REGION, AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL, and the credentials chain.
 */
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Datum } from "../datums.ts";
import type { MetricsPublisher } from "../publish.ts";

/** PutMetricData accepts at most 1000 datums per request. */
export const MAX_DATUMS_PER_REQUEST = 1000;

/**
 * Publishing must end in time for the EMF fallback to run inside the Lambda's timeout: the checks
 * take at most 35 s, publishing at most this, and the function's timeout leaves a margin.
 */
export const PUBLISH_BUDGET_MS = 10_000;

export interface CloudWatchPublisherOptions {
  /** @default a client with 3 attempts and short timeouts, so publishing fits in the cycle's minute */
  readonly client?: CloudWatchClient;
  /** The region of the default client. @default the standard AWS environment's (AWS_REGION) */
  readonly region?: string | undefined;
  /** Deadline for all the PutMetricData calls of one cycle, retries included. @default PUBLISH_BUDGET_MS */
  readonly budgetMs?: number;
}

export function defaultCloudWatchClient(region?: string): CloudWatchClient {
  return new CloudWatchClient({
    ...(region === undefined ? {} : { region }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}

/**
 * The region the client will publish to (AWS_REGION, else the AWS profile's), or undefined when
 * there is none: the SDK would only say "Region is missing" on the first PutMetricData.
 */
export async function resolveRegion(client: CloudWatchClient): Promise<string | undefined> {
  try {
    const region = await client.config.region();
    return region === "" ? undefined : region;
  } catch {
    return undefined;
  }
}

export function createCloudWatchPublisher(options: CloudWatchPublisherOptions = {}): MetricsPublisher {
  let client = options.client;
  return {
    async publish(namespace, timestamp, datums) {
      client ??= defaultCloudWatchClient(options.region);
      const abortSignal = AbortSignal.timeout(options.budgetMs ?? PUBLISH_BUDGET_MS);
      let requests = 0;
      for (let offset = 0; offset < datums.length; offset += MAX_DATUMS_PER_REQUEST) {
        const batch = datums.slice(offset, offset + MAX_DATUMS_PER_REQUEST);
        await client.send(
          new PutMetricDataCommand({
            Namespace: namespace,
            MetricData: batch.map((d) => toSdk(d, timestamp)),
          }),
          { abortSignal },
        );
        requests++;
      }
      return { requests };
    },
  };
}

function toSdk(item: Datum, timestamp: Date): MetricDatum {
  return {
    MetricName: item.name,
    Dimensions: item.dimensions.map((dimension) => ({ Name: dimension.name, Value: dimension.value })),
    Unit: item.unit,
    Value: item.value,
    Timestamp: timestamp,
    StorageResolution: 60,
  };
}
