/**
 * Debian's prometheus-blackbox-exporter, started and stopped by the bench: its own config file
 * in a temporary directory, its own port on 127.0.0.1. Probes go through its /probe endpoint,
 * exactly as Prometheus would scrape it.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { listenOnLoopback } from "../support/servers.ts";

export const BLACKBOX_BINARY = "prometheus-blackbox-exporter";
export const BLACKBOX_MODULE = "http_bench";

/** One probe as the exporter reports it, in milliseconds. */
export interface BlackboxProbe {
  readonly success: boolean;
  /** probe_http_duration_seconds by phase: resolve, connect, tls, processing, transfer. */
  readonly phases: Readonly<Record<string, number>>;
  /** probe_duration_seconds: the whole probe as the exporter timed it. */
  readonly durationMs: number;
}

export interface Blackbox {
  readonly pid: number;
  readonly version: string;
  probe(target: string): Promise<BlackboxProbe>;
  stop(): Promise<void>;
}

/** The installed exporter's version line, or undefined when it is not installed. */
export function blackboxVersion(): string | undefined {
  try {
    const out = execFileSync(BLACKBOX_BINARY, ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return /version ([^\s]+)/.exec(out)?.[1] ?? out.split("\n")[0];
  } catch {
    return undefined;
  }
}

/** Module config: plain GET, IPv4, 2xx only, no redirects (like our checks), 5 s timeout. */
export const BLACKBOX_CONFIG = `modules:
  ${BLACKBOX_MODULE}:
    prober: http
    timeout: 5s
    http:
      method: GET
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      no_follow_redirects: true
      valid_status_codes: [200]
`;

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startBlackbox(): Promise<Blackbox> {
  const version = blackboxVersion();
  if (version === undefined) {
    throw new Error(
      `${BLACKBOX_BINARY} is not installed (Debian: apt-get install -y prometheus-blackbox-exporter)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "meet-bench-blackbox-"));
  const configFile = join(dir, "blackbox.yml");
  await writeFile(configFile, BLACKBOX_CONFIG);
  const port = await freePort();
  const child: ChildProcess = spawn(
    BLACKBOX_BINARY,
    [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=error"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${BLACKBOX_BINARY}`);
  const base = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Wait until it answers (it binds its port within a few ms).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${BLACKBOX_BINARY} exited: ${stderr}`);
    try {
      const response = await request(`${base}/-/healthy`);
      await response.body.text();
      if (response.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${BLACKBOX_BINARY} did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    pid,
    version,
    probe: async (target) => {
      const url = `${base}/probe?module=${BLACKBOX_MODULE}&target=${encodeURIComponent(target)}`;
      const response = await request(url);
      const text = await response.body.text();
      if (response.statusCode !== 200)
        throw new Error(`blackbox /probe answered ${response.statusCode}: ${text}`);
      return parseProbe(text);
    },
    stop,
  };
}

/** Reads the figures we compare from the exporter's text exposition. */
export function parseProbe(text: string): BlackboxProbe {
  const phases: Record<string, number> = {};
  let duration = Number.NaN;
  let success = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const phase = /^probe_http_duration_seconds\{phase="([a-z]+)"\}\s+(\S+)/.exec(line);
    if (phase?.[1] !== undefined) {
      phases[phase[1]] = Number(phase[2]) * 1000;
      continue;
    }
    const total = /^probe_duration_seconds\s+(\S+)/.exec(line);
    if (total) duration = Number(total[1]) * 1000;
    const ok = /^probe_success\s+(\S+)/.exec(line);
    if (ok) success = Number(ok[1]) === 1;
  }
  return { success, phases, durationMs: duration };
}
