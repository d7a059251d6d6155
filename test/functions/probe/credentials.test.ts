import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretsManagerReader } from "../../../functions/probe/adapters/secrets-manager.ts";
import {
  CredentialError,
  createCredentialResolver,
  type SecretReader,
  scrub,
} from "../../../functions/probe/credentials.ts";
import { listenOnLoopback } from "../../../support/servers.ts";

const ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/metrics-AbCdEf";
const OTHER_REGION_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:meet/garage-XyZ123";
const VALUE = "sup3r-s3cret-value";

interface SecretsCall {
  readonly target: string;
  readonly contentType: string;
  readonly signed: boolean;
  readonly body: { SecretId?: string };
}

/** A local endpoint speaking Secrets Manager's wire protocol (AWS JSON 1.1), as the SDK uses it. */
let server: Server;
let endpoint: string;
const calls: SecretsCall[] = [];
const secrets = new Map<string, { SecretString?: string; SecretBinary?: string }>([
  [ARN, { SecretString: JSON.stringify({ username: "prometheus", password: VALUE }) }],
  [OTHER_REGION_ARN, { SecretString: VALUE }],
  ["arn:aws:secretsmanager:eu-west-3:123456789012:secret:binary-AAA", { SecretBinary: "AAEC" }],
]);
let dir: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { SecretId?: string };
    calls.push({
      target: String(req.headers["x-amz-target"]),
      contentType: String(req.headers["content-type"]),
      signed: String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 "),
      body,
    });
    const secret = secrets.get(body.SecretId ?? "");
    const reply = (status: number, payload: unknown): void => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(payload));
    };
    if (!secret) {
      return reply(400, {
        __type: "ResourceNotFoundException",
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    reply(200, { ARN: body.SecretId, Name: "meet/metrics", VersionId: "v1", ...secret });
  });
  endpoint = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  dir = await mkdtemp(join(tmpdir(), "meet-credentials-"));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function realReader(regions: string[] = []) {
  return createSecretsManagerReader({
    clientFor: (region) => {
      regions.push(region);
      return new SecretsManagerClient({
        region,
        endpoint,
        credentials: { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local-test-secret" },
        maxAttempts: 1,
      });
    },
  });
}

describe("Secrets Manager reader (real SDK client, local endpoint)", () => {
  it("calls GetSecretValue with the ARN, signed, with a client in the ARN's region", async () => {
    calls.length = 0;
    const regions: string[] = [];
    const reader = realReader(regions);
    expect(JSON.parse(await reader.read(ARN))).toEqual({ username: "prometheus", password: VALUE });
    expect(await reader.read(OTHER_REGION_ARN)).toBe(VALUE);
    await reader.read(ARN);
    expect(calls.map((call) => [call.target, call.contentType, call.signed, call.body.SecretId])).toEqual([
      ["secretsmanager.GetSecretValue", "application/x-amz-json-1.1", true, ARN],
      ["secretsmanager.GetSecretValue", "application/x-amz-json-1.1", true, OTHER_REGION_ARN],
      ["secretsmanager.GetSecretValue", "application/x-amz-json-1.1", true, ARN],
    ]);
    expect(regions).toEqual(["eu-west-3", "us-east-1"]);
  });

  it("names the AWS error and refuses binary secrets", async () => {
    const reader = realReader();
    await expect(
      reader.read("arn:aws:secretsmanager:eu-west-3:123456789012:secret:missing-AAA"),
    ).rejects.toThrow(
      "GetSecretValue failed: ResourceNotFoundException: Secrets Manager can't find the specified secret. (HTTP 400)",
    );
    await expect(
      reader.read("arn:aws:secretsmanager:eu-west-3:123456789012:secret:binary-AAA"),
    ).rejects.toThrow("secret binary-AAA holds binary data; store the credential as a string");
  });
});

function counting(reader: SecretReader): SecretReader & { reads: () => number } {
  let reads = 0;
  return {
    read: (arn) => {
      reads++;
      return reader.read(arn);
    },
    reads: () => reads,
  };
}

describe("credential resolver", () => {
  const field = "targets.livekit.metricsBasicAuth.password";

  it("in Lambda reads only Secrets Manager, once per container", async () => {
    const reader = counting(realReader());
    const resolver = createCredentialResolver({
      mode: "lambda",
      env: { LK_PASSWORD: "from-env" },
      secrets: reader,
    });
    const credential = { secretArn: ARN, secretJsonKey: "password", env: "LK_PASSWORD" };
    expect(await resolver.resolve(credential, field)).toBe(VALUE);
    expect(await resolver.resolve(credential, field)).toBe(VALUE);
    expect(await resolver.resolve({ secretArn: ARN, secretJsonKey: "username" }, field)).toBe("prometheus");
    expect(reader.reads()).toBe(1);
    resolver.invalidate(credential);
    await resolver.resolve(credential, field);
    expect(reader.reads()).toBe(2);
    await expect(resolver.resolve({ env: "LK_PASSWORD" }, field)).rejects.toThrow(
      `${field}: no secretArn (the Lambda reads credentials only from AWS Secrets Manager; env and file are for the CLI)`,
    );
  });

  it("does not cache a failed read", async () => {
    let attempts = 0;
    const resolver = createCredentialResolver({
      mode: "lambda",
      secrets: {
        read: async () => {
          attempts++;
          if (attempts === 1) throw new Error("GetSecretValue failed: ThrottlingException: slow down");
          return VALUE;
        },
      },
    });
    await expect(resolver.resolve({ secretArn: ARN }, field)).rejects.toThrow(
      `${field}: cannot read secret meet/metrics-AbCdEf: GetSecretValue failed: ThrottlingException: slow down`,
    );
    expect(await resolver.resolve({ secretArn: ARN }, field)).toBe(VALUE);
  });

  it("locally tries the environment, then the file (trimmed), then Secrets Manager", async () => {
    const file = join(dir, "password");
    await writeFile(file, `  ${VALUE}-file \n`);
    const reader = counting({ read: async () => `${VALUE}-secret` });
    const resolver = createCredentialResolver({
      mode: "local",
      env: { SET: `${VALUE}-env`, EMPTY: "" },
      secrets: reader,
    });
    expect(await resolver.resolve({ env: "SET", file, secretArn: ARN }, field)).toBe(`${VALUE}-env`);
    expect(await resolver.resolve({ env: "EMPTY", file, secretArn: ARN }, field)).toBe(`${VALUE}-file`);
    expect(await resolver.resolve({ env: "UNSET", file: join(dir, "none"), secretArn: ARN }, field)).toBe(
      `${VALUE}-secret`,
    );
    expect(reader.reads()).toBe(1);
  });

  it("explains every failure without ever quoting a value", async () => {
    const file = join(dir, "empty");
    await writeFile(file, "  \n");
    const resolver = createCredentialResolver({
      mode: "local",
      env: {},
      secrets: {
        read: async (arn) =>
          arn === ARN ? JSON.stringify({ user: VALUE, token: VALUE }) : `not json ${VALUE}`,
      },
    });
    const messages: string[] = [];
    const attempt = async (credential: Parameters<typeof resolver.resolve>[0]) => {
      const error = await resolver.resolve(credential, field).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredentialError);
      messages.push((error as Error).message);
    };
    await attempt({ env: "UNSET", file });
    await attempt({ secretArn: ARN, secretJsonKey: "password" });
    await attempt({ secretArn: OTHER_REGION_ARN, secretJsonKey: "password" });
    expect(messages).toEqual([
      `${field}: no value found: environment variable UNSET is not set; file ${file} is empty`,
      `${field}: no value found: secret meet/metrics-AbCdEf has no string key "password" (keys: user, token)`,
      `${field}: no value found: secret meet/garage-XyZ123 is not JSON, but secretJsonKey "password" was given`,
    ]);
    expect(messages.join("\n")).not.toContain(VALUE);
  });

  it("remembers the values it resolved so text can be scrubbed of them", async () => {
    const resolver = createCredentialResolver({ mode: "local", env: { A: VALUE } });
    await resolver.resolve({ env: "A" }, field);
    expect(scrub(`oops ${VALUE} twice ${VALUE}`, resolver.knownValues())).toBe(
      "oops [redacted] twice [redacted]",
    );
    expect(scrub("abc", ["abc"])).toBe("abc"); // too short to tell from ordinary text
  });
});
