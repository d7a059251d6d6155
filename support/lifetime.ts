/**
 * The lifetime of a long-running developer process (the stand-ins): everything it starts is
 * stopped, in reverse order, on Ctrl-C (SIGINT), on npm or a supervisor stopping it (SIGTERM),
 * on the terminal closing (SIGHUP, which PostgreSQL itself would take as "reload" and outlive
 * us), and when its parent goes away (`npm run` starts a script through `sh -c`, and stopping npm
 * stops that shell, not this process). A stop asked during startup waits for the step in
 * progress, so nothing that step spawned is left behind.
 */

export interface Lifetime {
  /** Starts one part and remembers how to stop it; false when a stop was asked meanwhile. */
  step(start: () => Promise<() => Promise<void>>): Promise<boolean>;
  /** Startup is over: a stop asked from now on stops everything at once. */
  started(): void;
  /** Stops everything started so far, then exits with `code`. */
  stopAll(code: number): Promise<void>;
}

export function stopOnSignals(): Lifetime {
  const stops: (() => Promise<void>)[] = [];
  let starting = true;
  let stopRequested = false;
  let stopping: Promise<void> | undefined;
  const stopAll = (code: number): Promise<void> => {
    stopping ??= (async () => {
      for (const close of stops.reverse()) await close().catch(() => undefined);
      process.exit(code);
    })();
    return stopping;
  };
  const requestStop = (): void => {
    if (starting) stopRequested = true;
    else void stopAll(0);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, requestStop);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) requestStop();
  }, 500).unref();
  return {
    async step(start) {
      stops.push(await start());
      return !stopRequested;
    },
    started() {
      starting = false;
      if (stopRequested) void stopAll(0);
    },
    stopAll,
  };
}
