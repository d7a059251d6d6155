/**
 * `npm run standins` as operators run it and stop it: every stand-in (a real PostgreSQL and its
 * exporter too, when installed) is stopped by SIGTERM, SIGHUP and npm being stopped, and a port
 * already taken is named instead of a stack trace. The stand-ins listen on the fixed ports of
 * examples/whitebox.json (below the ephemeral range the other tests use).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../functions/probe/cli.ts";
import { PROJECT_ROOT } from "../../infra/probe-function.ts";
import { PORTS } from "../../scripts/whitebox-standins.ts";

interface Started {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

function start(command: "node" | "npm"): Started {
  const args =
    command === "node" ? [join(PROJECT_ROOT, "scripts", "whitebox-standins.ts")] : ["run", "standins"];
  const child = spawn(command === "node" ? process.execPath : "npm", args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  let code: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (exitCode, signal) => {
      code = exitCode ?? signal ?? -1;
      resolve(code);
    }),
  );
  return { child, output: () => output, exited, hasExited: () => code !== undefined };
}

async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ready = (s: Started) =>
  waitFor(
    () => s.output().includes("Ctrl-C stops."),
    () => `ready: ${s.output()}`,
  );

/** PostgreSQL's own port, when a real one was started. */
function postgresPort(output: string): number | undefined {
  const match = /PostgreSQL primary itself\s+127\.0\.0\.1:(\d+)/.exec(output);
  return match ? Number(match[1]) : undefined;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/** The ports something still listens on. */
async function held(extra: readonly number[] = []): Promise<number[]> {
  const ports = [...Object.values(PORTS), ...extra];
  const busy = await Promise.all(ports.map(listening));
  return ports.filter((_port, index) => busy[index]);
}

describe("npm run standins", () => {
  beforeEach(async () => {
    // The stand-ins' ports are fixed (examples/whitebox.json): another copy running holds them.
    const busy = await held();
    if (busy.length > 0)
      throw new Error(`ports ${busy.join(", ")} are taken: stop the other \`npm run standins\` first`);
  });

  /** PostgreSQL's own port, when a real one runs (the fixed ports are always checked). */
  const postgres = (s: Started): number[] => {
    const pg = postgresPort(s.output());
    return pg === undefined ? [] : [pg];
  };

  // One start serves the README's sample run and SIGTERM: each start of a real PostgreSQL costs.
  it("serve the README's sample run (examples/standins-garage-down.json), then stop every stand-in, PostgreSQL included, on SIGTERM", async () => {
    const standins = start("node");
    await ready(standins);
    expect(await held(postgres(standins))).toEqual([...Object.values(PORTS), ...postgres(standins)]);
    const out: string[] = [];
    const code = await runCli(["--config", join(PROJECT_ROOT, "examples", "standins-garage-down.json")], {
      stdout: (text) => out.push(text),
      stderr: (text) => out.push(text),
    });
    const text = out.join("");
    expect(code).toBe(1);
    expect(text).toMatch(/vantage local {2}1 of 3 down/);
    expect(text).toMatch(/^backend +heartbeat +UP +200/m);
    expect(text).toMatch(/^livekit +health +UP +200/m);
    expect(text).toMatch(/^garage +health +DOWN +- .* 2$/m);
    expect(text).toContain("garage/health: connection refused (nothing listening on that port)");
    expect(text).toContain(
      "garage http://127.0.0.1:13999/metrics: connection refused (nothing listening on that port)",
    );
    standins.child.kill("SIGTERM");
    expect(await standins.exited).toBe(0);
    expect(await held(postgres(standins))).toEqual([]);
  }, 90_000);

  it("stop every stand-in, PostgreSQL included, on SIGHUP (the terminal closed)", async () => {
    const standins = start("node");
    await ready(standins);
    standins.child.kill("SIGHUP");
    expect(await standins.exited).toBe(0);
    expect(await held(postgres(standins))).toEqual([]);
  }, 90_000);

  it("stops every stand-in when npm itself is stopped (npm's shell dies, not the script)", async () => {
    const standins = start("npm");
    await ready(standins);
    const pg = postgresPort(standins.output());
    standins.child.kill("SIGTERM");
    await standins.exited;
    // npm and its shell are gone at once; the script notices it lost its parent and stops.
    let left: number[] = [];
    const deadline = Date.now() + 20_000;
    do {
      left = await held(pg === undefined ? [] : [pg]);
      if (left.length > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    } while (left.length > 0 && Date.now() < deadline);
    expect(left).toEqual([]);
  }, 90_000);

  it("stops what it had started when stopped during startup", async () => {
    const standins = start("node");
    await waitFor(
      () => standins.output().includes("LiveKit health"),
      () => standins.output(),
    );
    standins.child.kill("SIGTERM");
    expect(await standins.exited).toBe(0);
    expect(standins.output()).not.toContain("Ctrl-C stops.");
    expect(await held()).toEqual([]);
  }, 90_000);

  it("names the port that is already taken, without a stack trace, and leaves nothing running", async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(PORTS.garage, "127.0.0.1", resolve));
    try {
      const standins = start("node");
      expect(await standins.exited).toBe(1);
      expect(standins.output().trim()).toBe(
        `port ${PORTS.garage} (Garage admin: /health, /metrics, buckets) already in use on 127.0.0.1: is another \`npm run standins\` still running? (\`ss -ltnp 'sport = :${PORTS.garage}'\` shows what holds it)`,
      );
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expect(await held()).toEqual([]);
  }, 60_000);
});
