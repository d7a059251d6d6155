/** `backend` / `webhook` against the Meet backend stand-in, which verifies with the SDK's receiver. */

import { WebhookEvent } from "@livekit/protocol";
import { WebhookReceiver } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";
import { judgeWebhook, signedRoomStarted } from "../../../../functions/probe/checks/backend-webhook.ts";
import { startMeetBackend } from "../../../../support/meet-backend.ts";
import { sendText, startHttpServer } from "../../../../support/servers.ts";
import { API_KEY, API_SECRET, cycle, deepConfig, resultOf, track } from "./deep-harness.ts";

const livekit = { url: "http://livekit.test:7880", apiKey: API_KEY, apiSecret: { env: "LIVEKIT_SECRET" } };

describe("the room_started event", () => {
  it("is the protobuf JSON of a livekit.WebhookEvent, read back by the SDK's receiver with its signature", async () => {
    const before = BigInt(Math.floor(Date.now() / 1000));
    const { body, authorization } = await signedRoomStarted(API_KEY, API_SECRET, "eu-west-3");
    const event = await new WebhookReceiver(API_KEY, API_SECRET).receive(body, authorization);
    expect(event.event).toBe("room_started");
    expect(event.id).toMatch(/^EV_monitor[0-9a-f]{12}$/);
    expect(event.room?.name).toMatch(/^connection-test-monitor-eu-west-3-/);
    expect(event.room?.sid).toMatch(/^RM_monitor[0-9a-f]{12}$/);
    expect(event.createdAt).toBeGreaterThanOrEqual(before);
    expect(event.room?.creationTime).toBe(event.createdAt);
    // Exactly what the protocol's own serializer writes for the same event: no field it would not.
    expect(JSON.parse(WebhookEvent.fromJsonString(body).toJsonString())).toEqual(JSON.parse(body));
    await expect(
      new WebhookReceiver(API_KEY, "another-secret-0123456789").receive(body, authorization),
    ).rejects.toThrow();
  });
});

describe("backend webhook", () => {
  it("posts a signed room_started for a monitor room, which Meet acknowledges with 200", async () => {
    const backend = track(await startMeetBackend({ apiKey: API_KEY, apiSecret: API_SECRET }));
    const config = deepConfig({
      backend: { url: backend.url, webhook: true },
      livekit: { ...livekit, join: { enabled: false } },
    });
    const report = await cycle(config);
    expect(resultOf(report, "webhook")).toMatchObject({
      component: "backend",
      status: "up",
      httpStatus: 200,
      url: `${backend.url}/api/v1.0/rooms/webhooks-livekit/`,
    });
    expect(backend.webhooks).toEqual([
      { status: 200, event: "room_started", room: expect.stringMatching(/^connection-test-monitor-test-/) },
    ]);
  });

  it("says the backend and LiveKit disagree on the secret when Meet answers 400", async () => {
    const backend = track(await startMeetBackend({ apiKey: API_KEY, apiSecret: "the-secret-meet-has-0123" }));
    const config = deepConfig({
      backend: { url: backend.url, webhook: true },
      livekit: { ...livekit, join: { enabled: false } },
    });
    const result = resultOf(await cycle(config), "webhook");
    expect(result).toMatchObject({ status: "down", httpStatus: 400 });
    expect(result.reason).toBe(
      "HTTP 400: the backend refused a LiveKit-signed webhook: Meet and LiveKit disagree on the API key or secret (Meet's LIVEKIT_API_KEY/LIVEKIT_API_SECRET against LiveKit's keys)",
    );
  });

  it("says the same when Meet knows another key (401 or 400)", async () => {
    const backend = track(await startMeetBackend({ apiKey: "APIother", apiSecret: API_SECRET }));
    const config = deepConfig({
      backend: { url: backend.url, webhook: true },
      livekit: { ...livekit, join: { enabled: false } },
    });
    expect(resultOf(await cycle(config), "webhook").reason).toMatch(/disagree on the API key or secret/);
  });

  it("recognises the frontend's HTML and an endpoint that is not there", async () => {
    expect(judgeWebhook({ status: 404, headers: {}, body: "", bodyTruncated: false }).reason).toBe(
      "HTTP 404: no webhook endpoint at /api/v1.0/rooms/webhooks-livekit/",
    );
    const spa = track(
      await startHttpServer((_req, res) => sendText(res, 405, "<!doctype html><html></html>", "text/html")),
    );
    const config = deepConfig({
      backend: { url: spa.url, webhook: true },
      livekit: { ...livekit, join: { enabled: false } },
    });
    expect(resultOf(await cycle(config), "webhook").reason).toBe(
      "got HTML (HTTP 405): the URL reaches the frontend, not the backend",
    );
  });
});

describe("a rotated webhook secret", () => {
  it("is read again after the backend refuses the signature, so the retry uses the new one", async () => {
    const { createCredentialResolver } = await import("../../../../functions/probe/credentials.ts");
    const { runCycle } = await import("../../../../functions/probe/cycle.ts");
    const { deepDependencies } = await import("./deep-harness.ts");
    const backend = track(await startMeetBackend({ apiKey: API_KEY, apiSecret: API_SECRET }));
    const versions = ["the-old-secret-before-rotation", API_SECRET];
    let reads = 0;
    const credentials = createCredentialResolver({
      mode: "lambda",
      secrets: { read: async () => versions[Math.min(reads++, 1)] ?? "" },
    });
    const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:livekit";
    const config = deepConfig({
      backend: { url: backend.url, webhook: true },
      livekit: { ...livekit, apiSecret: { secretArn }, join: { enabled: false } },
    });
    const report = await runCycle(config, "test", { ...deepDependencies(), credentials });
    expect(resultOf(report, "webhook")).toMatchObject({ status: "up", attempts: 2 });
    expect(reads).toBe(2);
  });
});
