import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED_CONFIG_FORMAT,
  bundledConfigText,
  readBundledConfig,
} from "../../../functions/shared/config/bundled.ts";
import { parseConfig } from "../../../functions/shared/config/index.ts";

const operatorFile = {
  vantage: "eu-west-3",
  targets: {
    backend: { url: "http://meet-backend.internal:8000", connectionTest: true },
    livekit: { url: "https://livekit.example.org", tls: { ca: "-----BEGIN CERTIFICATE-----\n..." } },
    garage: { adminUrl: "http://garage.internal:3903" },
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "meet-bundled-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function lambdaPart() {
  const parsed = parseConfig(operatorFile);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const { namespace, vantage, probe, targets } = parsed.config;
  return { namespace, vantage, probe, targets };
}

describe("the configuration bundled with the Lambda", () => {
  it("is read back, without the schema, exactly as the CDK app validated and wrote it", async () => {
    const config = lambdaPart();
    const path = await fileWith("written.json", bundledConfigText(config));
    const read = await readBundledConfig(path);
    expect(read).toEqual(config);
    expect(read).not.toHaveProperty("format");
    // Defaults the schema filled at synth time are there for the probe.
    expect(read.probe).toEqual({ timeoutMs: 10_000, retryDelayMs: 1_000 });
  });

  it("refuses an operator's own file: it has no format marker and was never validated", async () => {
    const path = await fileWith("operator.json", JSON.stringify(operatorFile));
    await expect(readBundledConfig(path)).rejects.toThrow(
      `${path}: not a configuration written by this version of the monitor's CDK app: no format marker (an operator's file?), expected "${BUNDLED_CONFIG_FORMAT}"`,
    );
  });

  it("refuses a file of another format, naming both", async () => {
    const path = await fileWith(
      "other.json",
      JSON.stringify({ ...lambdaPart(), format: "meet-synthetic-monitor/lambda-config/0" }),
    );
    await expect(readBundledConfig(path)).rejects.toThrow(
      /format "meet-synthetic-monitor\/lambda-config\/0", expected "meet-synthetic-monitor\/lambda-config\/1".*deploy again/,
    );
  });

  it("refuses a marked file without targets rather than failing inside a check", async () => {
    const { targets: _targets, ...rest } = lambdaPart();
    const path = await fileWith("truncated.json", bundledConfigText(rest));
    await expect(readBundledConfig(path)).rejects.toThrow("lacks namespace, probe or targets");
  });

  it("says when the file is missing or not JSON", async () => {
    const missing = join(dir, "absent.json");
    await expect(readBundledConfig(missing)).rejects.toThrow(
      `${missing}: cannot read the bundled configuration: no such file`,
    );
    const broken = await fileWith("broken.json", '{"format": ');
    await expect(readBundledConfig(broken)).rejects.toThrow("is not valid JSON");
  });
});
