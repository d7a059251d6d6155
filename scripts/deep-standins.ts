/**
 * Local stand-ins for the deep checks (docs/deep-checks.md), so the join, TURN, webhook and S3
 * checks can be run and watched without a Meet deployment:
 *
 *   npm run standins:deep        # leave it running; it prints the probe command to run
 *
 * A LiveKit signal stand-in (real protobuf on /rtc), Debian's coturn when installed (its UDP and
 * TCP listeners are what the join response lists), a Meet backend verifying webhooks with the
 * SDK's receiver and issuing connection-test tokens, and an S3 stand-in verifying SigV4. The
 * config, with every port filled in, is written to a temporary file. Everything listens on
 * 127.0.0.1 only and stops (coturn included) on Ctrl-C, SIGTERM, SIGHUP or when npm goes away.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coturnMissing, type RunningCoturn, startCoturn } from "../support/coturn.ts";
import { type Lifetime, stopOnSignals } from "../support/lifetime.ts";
import { startLivekitStandin } from "../support/livekit.ts";
import { startMeetBackend } from "../support/meet-backend.ts";
import { startS3Standin } from "../support/s3.ts";
import { sendText, startHttpServer } from "../support/servers.ts";

const API_KEY = "APIdemomonitor";
const API_SECRET = process.env.DEMO_LIVEKIT_SECRET ?? "demo-livekit-api-secret-0123456789";
const S3_KEY = "GKdemomonitor";
const S3_SECRET = process.env.DEMO_S3_SECRET ?? "demo-garage-secret-key-0123456789";
const TURN = { username: "demo-turn-user", password: "demo-turn-password" };

/** Starts `start` as a step of the lifetime; undefined when a stop was asked meanwhile. */
async function part<T>(
  lifetime: Lifetime,
  start: () => Promise<T>,
  stop: (started: T) => Promise<void>,
): Promise<T | undefined> {
  let started: T | undefined;
  const going = await lifetime.step(async () => {
    started = await start();
    const value = started;
    return () => stop(value);
  });
  return going ? started : undefined;
}

async function main(): Promise<void> {
  const lifetime = stopOnSignals();
  const dir = await mkdtemp(join(tmpdir(), "meet-deep-standins-"));
  if (!(await lifetime.step(async () => () => rm(dir, { recursive: true, force: true })))) return;
  const missing = coturnMissing();
  const coturn: RunningCoturn | undefined = missing
    ? undefined
    : await part(
        lifetime,
        () => startCoturn(TURN),
        (running) => running.stop(),
      );
  if (!missing && !coturn) return;
  const livekit = await part(
    lifetime,
    () =>
      startLivekitStandin({
        keys: { [API_KEY]: API_SECRET },
        iceServers: coturn
          ? [
              {
                urls: [
                  `turn:127.0.0.1:${coturn.port}?transport=udp`,
                  `turn:127.0.0.1:${coturn.port}?transport=tcp`,
                ],
                username: TURN.username,
                credential: TURN.password,
              },
            ]
          : [],
      }),
    (server) => server.close(),
  );
  if (!livekit) return;
  const backend = await part(
    lifetime,
    () => startMeetBackend({ apiKey: API_KEY, apiSecret: API_SECRET, connectionTest: true }),
    (server) => server.close(),
  );
  if (!backend) return;
  const s3 = await part(
    lifetime,
    () =>
      startS3Standin({
        buckets: ["meet-recordings"],
        keys: { [S3_KEY]: { secretAccessKey: S3_SECRET, buckets: ["meet-recordings"] } },
      }),
    (server) => server.close(),
  );
  if (!s3) return;
  const garageAdmin = await part(
    lifetime,
    () => startHttpServer((_request, response) => sendText(response, 200, "Garage is fully operational")),
    (server) => server.close(),
  );
  if (!garageAdmin) return;
  const config = join(dir, "deep.json");
  await writeFile(
    config,
    `${JSON.stringify(
      {
        vantage: "local",
        probe: { timeoutMs: 5000, retryDelayMs: 500 },
        targets: {
          backend: { url: backend.url, webhook: true },
          livekit: { url: livekit.url, apiKey: API_KEY, apiSecret: { env: "DEMO_LIVEKIT_SECRET" } },
          garage: {
            adminUrl: garageAdmin.url,
            metrics: false,
            s3: {
              endpoint: s3.url,
              bucket: "meet-recordings",
              accessKeyId: S3_KEY,
              secretAccessKey: { env: "DEMO_S3_SECRET" },
            },
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  console.log("Stand-ins for the deep checks (127.0.0.1 only):");
  console.log(`  ${"LiveKit (health, /rtc signal)".padEnd(40)} ${livekit.url}`);
  console.log(
    `  ${"coturn (TURN over UDP and TCP)".padEnd(40)} ${coturn ? `127.0.0.1:${coturn.port}` : `not started: ${missing}`}`,
  );
  console.log(`  ${"Meet backend (webhook, connection test)".padEnd(40)} ${backend.url}`);
  console.log(`  ${"S3 (SigV4 verified)".padEnd(40)} ${s3.url}`);
  console.log(`  ${"Garage admin (/health)".padEnd(40)} ${garageAdmin.url}`);
  console.log(
    "\nThen, in another shell:\n" +
      `  export DEMO_LIVEKIT_SECRET=${API_SECRET} DEMO_S3_SECRET=${S3_SECRET}\n` +
      `  npm run probe -- --config ${config}\n\nCtrl-C stops.`,
  );
  lifetime.started();
}

await main();
