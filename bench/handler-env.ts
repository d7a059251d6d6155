/**
 * The environment a bench Lambda stand-in runs the production handler with: the example config
 * pointed at three loopback targets (LiveKit over https with its own CA, host names through the
 * system resolver, Garage's /metrics scraped as the default config does), bundled as the CDK app
 * bundles it (validated, then the Lambda's part with the format marker), and the standard AWS
 * variables aimed at a local endpoint speaking CloudWatch's wire protocol.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundledConfigText, CONFIG_FILE_ENV, CONFIG_FILE_NAME } from "../functions/shared/config/bundled.ts";
import { formatIssues, parseConfig } from "../functions/shared/config/index.ts";
import { lambdaConfig } from "../infra/deploy-config.ts";
import type { Targets } from "./targets.ts";

const ROOT = new URL("..", import.meta.url).pathname;
export const EXAMPLE_CONFIG = join(ROOT, "examples", "minimal.json");

/** Writes the bundled config for `targets` (three healthy servers, the second over TLS) into `dir`. */
export async function handlerEnvironment(targets: Targets, dir: string): Promise<Record<string, string>> {
  const [backend, livekit, garage] = targets.healthyPorts;
  const example = JSON.parse(await readFile(EXAMPLE_CONFIG, "utf8")) as Record<string, unknown>;
  const parsed = parseConfig({
    ...example,
    targets: {
      backend: { url: `http://localhost:${backend}` },
      livekit: { url: `https://localhost:${livekit}`, tls: { ca: targets.caPem } },
      garage: { adminUrl: `http://localhost:${garage}` },
    },
  });
  if (!parsed.ok) throw new Error(formatIssues("bench handler config", parsed.issues));
  const configFile = join(dir, CONFIG_FILE_NAME);
  await writeFile(configFile, bundledConfigText(lambdaConfig(parsed.config)));
  return {
    [CONFIG_FILE_ENV]: configFile,
    AWS_REGION: "eu-west-3",
    AWS_ACCESS_KEY_ID: "AKIDLOCALBENCH",
    AWS_SECRET_ACCESS_KEY: "local-bench-secret",
    AWS_ENDPOINT_URL_CLOUDWATCH: targets.cloudwatchUrl ?? "",
  };
}
