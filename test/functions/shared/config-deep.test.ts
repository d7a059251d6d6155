/** The deep checks' configuration: fields, defaults, and the rules across targets. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../../functions/shared/config/file.ts";
import { joinTokenSource, parseConfig } from "../../../functions/shared/config/index.ts";

const secret = { env: "LIVEKIT_SECRET" };
const livekit = { url: "https://livekit.example.org" };
const backend = { url: "http://meet-backend.internal:8000" };

function issuesOf(targets: Record<string, unknown>): { path: string; message: string }[] {
  const result = parseConfig({ targets });
  return result.ok ? [] : [...result.issues];
}

describe("deep check fields", () => {
  it("accepts the key pair, the join's options, the backend switches and S3, with S3's defaults", () => {
    const result = parseConfig({
      targets: {
        backend: { ...backend, webhook: true },
        livekit: {
          ...livekit,
          apiKey: "APImonitor",
          apiSecret: secret,
          join: { timeoutMs: 5000, turn: false },
        },
        garage: {
          adminUrl: "http://garage.internal:3903",
          s3: {
            endpoint: "https://s3.example.org",
            bucket: "meet-recordings",
            accessKeyId: "GK0123",
            secretAccessKey: { env: "S3_SECRET" },
          },
        },
      },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.targets.garage?.s3).toMatchObject({ region: "garage", prefix: "meet-monitor/" });
    expect(joinTokenSource(result.config.targets)).toBe("apiSecret");
  });

  it("refuses a bad bucket name, a prefix escaping the bucket, and a key id with spaces, all at once", () => {
    const issues = issuesOf({
      garage: {
        adminUrl: "http://garage.internal:3903",
        s3: {
          endpoint: "http://s3.internal:3900?x=1",
          bucket: "Meet_Recordings",
          accessKeyId: "GK 01",
          secretAccessKey: {},
          prefix: "/abs/../x",
        },
      },
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      "targets.garage.s3.endpoint",
      "targets.garage.s3.bucket",
      "targets.garage.s3.accessKeyId",
      "targets.garage.s3.secretAccessKey",
      "targets.garage.s3.prefix",
    ]);
  });
});

describe("the join's token source", () => {
  it("runs the join with the key pair, or with the connection test, or not at all", () => {
    const parsed = (targets: Record<string, unknown>) => {
      const result = parseConfig({ targets });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return joinTokenSource(result.config.targets);
    };
    expect(parsed({ livekit })).toBeUndefined();
    expect(parsed({ livekit: { ...livekit, apiKey: "k", apiSecret: secret } })).toBe("apiSecret");
    expect(parsed({ livekit, backend: { ...backend, connectionTest: true } })).toBe("connectionTest");
    expect(
      parsed({ livekit: { ...livekit, apiKey: "k", apiSecret: secret, join: { enabled: false } } }),
    ).toBeUndefined();
    // The key pair is there for the webhook; the join takes Meet's token.
    expect(
      parsed({
        livekit: { ...livekit, apiKey: "k", apiSecret: secret },
        backend: { ...backend, connectionTest: true, webhook: true },
      }),
    ).toBe("connectionTest");
  });

  it("says which two sources are set when both could feed the join", () => {
    expect(
      issuesOf({
        livekit: { ...livekit, apiKey: "k", apiSecret: secret },
        backend: { ...backend, connectionTest: true },
      }),
    ).toEqual([
      {
        path: "targets.backend.connectionTest",
        message:
          "the join takes its token from exactly one source, and two are set: targets.livekit.apiKey/apiSecret (minted by the monitor) and targets.backend.connectionTest (issued by Meet); remove one (the key pair stays only when backend.webhook needs it)",
      },
    ]);
  });

  it("says none is set when the join is switched on without a token source", () => {
    expect(issuesOf({ livekit: { ...livekit, join: { enabled: true } } })).toEqual([
      {
        path: "targets.livekit.join.enabled",
        message:
          "the join needs exactly one token source, and none is set: targets.livekit.apiKey and apiSecret (the monitor mints a token), or targets.backend.connectionTest: true (Meet issues one)",
      },
    ]);
  });

  it("wants the key and its secret together, the webhook's pair, and LiveKit for the connection test", () => {
    expect(issuesOf({ livekit: { ...livekit, apiKey: "k" } })).toEqual([
      {
        path: "targets.livekit.apiSecret",
        message: "set apiKey and apiSecret together (the secret signs tokens issued for that key)",
      },
    ]);
    expect(issuesOf({ backend: { ...backend, webhook: true } })).toEqual([
      {
        path: "targets.backend.webhook",
        message:
          "needs targets.livekit.apiKey and apiSecret: the webhook is signed with the pair Meet verifies LiveKit's webhooks with",
      },
    ]);
    expect(issuesOf({ backend: { ...backend, connectionTest: true } })).toEqual([
      {
        path: "targets.backend.connectionTest",
        message:
          "needs targets.livekit: the join with the connection test's token goes to targets.livekit.url",
      },
    ]);
    expect(
      issuesOf({
        livekit: { ...livekit, join: { enabled: false } },
        backend: { ...backend, connectionTest: true },
      }),
    ).toEqual([
      {
        path: "targets.backend.connectionTest",
        message:
          "has no effect while targets.livekit.join.enabled is false (it only supplies the join's token)",
      },
    ]);
  });

  it("makes the credential files of the new fields relative to the config file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "meet-deep-config-"));
    try {
      const path = join(dir, "config.json");
      await writeFile(
        path,
        JSON.stringify({
          targets: {
            livekit: { ...livekit, apiKey: "k", apiSecret: { file: "secrets/livekit" } },
            garage: {
              adminUrl: "http://garage.internal:3903",
              s3: {
                endpoint: "http://s3:3900",
                bucket: "meet",
                accessKeyId: "GK",
                secretAccessKey: { file: "s3" },
              },
            },
          },
        }),
      );
      const result = await loadConfigFile(path);
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      expect(result.config.targets.livekit?.apiSecret).toEqual({ file: join(dir, "secrets/livekit") });
      expect(result.config.targets.garage?.s3?.secretAccessKey).toEqual({ file: join(dir, "s3") });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
