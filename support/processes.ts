/**
 * Running the Debian programs the tests start themselves (PostgreSQL, redis-server, the
 * Prometheus exporters): waiting until they answer, stopping them, and saying what is missing.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

/** The programs of `paths` that are not installed. */
export function missingPrograms(paths: readonly string[]): string[] {
  return paths.filter((path) => !existsSync(path));
}

/** Stops a child with `signal`, then SIGKILL after 10 s; resolves once it has exited. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

export async function waitFor(
  ready: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  await waitForAsync(async () => ready(), timeoutMs, describe);
}

export async function waitForAsync(
  ready: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The tail of what a child writes on stderr, for start-up errors. */
export function stderrTail(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.on("data", (chunk) => {
    text = (text + String(chunk)).slice(-4000);
  });
  return () => text.slice(-2000);
}

/** Resolves once `url` answers 200 with a body matching `ready`. */
export async function waitForPage(
  url: string,
  ready: RegExp,
  describe: () => string,
  headers: Record<string, string> = {},
): Promise<void> {
  await waitForAsync(
    async () => {
      try {
        const response = await fetch(url, { headers });
        return response.status === 200 && ready.test(await response.text());
      } catch {
        return false;
      }
    },
    15_000,
    describe,
  );
}
