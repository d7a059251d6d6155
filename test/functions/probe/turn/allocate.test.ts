/**
 * The TURN exchange through the real STUN socket adapter against Debian's coturn on loopback,
 * over UDP, TCP and TLS. Needs `apt-get install -y coturn` (.ci/run installs it): without it the
 * tests fail under CI and are skipped, saying so, elsewhere.
 */
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStunSocketPort } from "../../../../functions/probe/adapters/stun-socket.ts";
import type { StunEndpoint } from "../../../../functions/probe/sockets.ts";
import { type AllocationOutcome, allocateRelay } from "../../../../functions/probe/turn/allocate.ts";
import { TestCa } from "../../../../support/certs.ts";
import {
  COTURN_INSTALL_HINT,
  coturnMissing,
  type RunningCoturn,
  startCoturn,
} from "../../../../support/coturn.ts";
import { closedPort, loopbackLookup } from "../../../../support/servers.ts";

const missing = coturnMissing();
if (missing && !process.env.CI) console.warn(`Skipping the TURN tests: ${missing} not installed`);

const CREDENTIALS = { username: "monitor", password: "turn-test-secret" };
const stun = createStunSocketPort({ lookup: loopbackLookup });
const ca = TestCa.create();

async function allocate(
  endpoint: StunEndpoint,
  credentials = CREDENTIALS,
  timeoutMs = 2_000,
): Promise<AllocationOutcome> {
  const opening = await stun.open(endpoint, timeoutMs);
  if (opening.failure) return { ok: false, reason: opening.failure.message };
  try {
    return await allocateRelay(opening.channel, credentials, performance.now() + timeoutMs);
  } finally {
    opening.channel.close();
  }
}

describe.skipIf(missing !== undefined && !process.env.CI)("TURN allocation against coturn", () => {
  let coturn: RunningCoturn;
  beforeAll(async () => {
    if (missing) throw new Error(`${missing} not installed: ${COTURN_INSTALL_HINT} (CI must have it)`);
    coturn = await startCoturn({ ...CREDENTIALS, tlsCertificate: ca.issue({ hosts: ["turn.test"] }) });
  }, 20_000);
  afterAll(async () => {
    await coturn?.stop();
  });

  it.each(["udp", "tcp"] as const)("allocates a relay over %s and frees it", async (transport) => {
    const outcome = await allocate({ transport, host: "127.0.0.1", port: coturn.port });
    expect(outcome).toMatchObject({ ok: true, relayed: { family: "IPv4", address: "127.0.0.1" } });
    expect(outcome).not.toHaveProperty("notFreed");
    if (outcome.ok) expect(outcome.lifetimeSeconds).toBeGreaterThan(0);
  });

  it("allocates over TLS, verifying the certificate with the given CA", async () => {
    const port = coturn.tlsPort ?? 0;
    const outcome = await allocate({ transport: "tls", host: "turn.test", port, tls: { ca: ca.cert } });
    expect(outcome).toMatchObject({ ok: true, relayed: { address: "127.0.0.1" } });
  });

  it("refuses TLS when the certificate is not trusted", async () => {
    const outcome = await allocate({ transport: "tls", host: "turn.test", port: coturn.tlsPort ?? 0 });
    expect(outcome).toEqual({
      ok: false,
      reason: expect.stringMatching(/^TLS: certificate issuer is unknown/),
    });
  });

  it("says the credentials were refused when the password is wrong", async () => {
    const outcome = await allocate(
      { transport: "udp", host: "127.0.0.1", port: coturn.port },
      { username: "monitor", password: "wrong" },
    );
    expect(outcome).toEqual({
      ok: false,
      reason: "TURN Allocate: error 401 (the credentials the join handed out were refused)",
    });
  });

  it("reports a closed TCP port as refused", async () => {
    const outcome = await allocate({ transport: "tcp", host: "127.0.0.1", port: await closedPort() });
    expect(outcome).toEqual({ ok: false, reason: "connection refused (nothing listening on that port)" });
  });
});

describe("TURN over UDP without coturn", () => {
  it("reports a closed UDP port from the ICMP answer", async () => {
    const outcome = await allocate({ transport: "udp", host: "127.0.0.1", port: await closedPort() });
    expect(outcome).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^STUN Binding: port unreachable: nothing listens on UDP port \d+ \(ICMP\)$/,
      ),
    });
  });

  it("retransmits over UDP and gives up at the deadline when nothing answers", async () => {
    const silent = createSocket("udp4");
    let received = 0;
    silent.on("message", () => received++);
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const outcome = await allocate(
        { transport: "udp", host: "127.0.0.1", port: silent.address().port },
        CREDENTIALS,
        1_200,
      );
      expect(outcome).toEqual({
        ok: false,
        reason: expect.stringMatching(/^STUN Binding: no answer within \d+ ms over UDP/),
      });
      // Sent at 0 ms and retransmitted at 500 ms: RFC 8489's schedule.
      expect(received).toBe(2);
    } finally {
      silent.close();
    }
  });
});
