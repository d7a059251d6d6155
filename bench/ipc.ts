/**
 * Child processes of the bench, started with the same Node binary (Node 24: the .ts files run
 * as they are) and driven over Node's IPC channel with a tiny request/reply protocol.
 */
import { type ChildProcess, fork } from "node:child_process";

export interface Message {
  readonly type: string;
  readonly id?: number;
  readonly [key: string]: unknown;
}

export interface BenchChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** The payload of the child's first `ready` message. */
  readonly ready: Promise<Message>;
  /** Sends `{type: "query", what, args}` and resolves with the child's reply data. */
  query<T>(what: string, args?: unknown): Promise<T>;
  /** Resolves with the next message of this type. */
  next(type: string): Promise<Message>;
  send(message: Message): void;
  /** Asks the child to exit, then kills it after a grace period. */
  close(): Promise<void>;
}

export function forkChild(
  script: string | URL,
  argument: unknown,
  options: { execArgv?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): BenchChild {
  const child = fork(script instanceof URL ? script.pathname : script, [JSON.stringify(argument)], {
    execArgv: [...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // A message sent while the child exits must not crash the bench.
  child.on("error", () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${String(script)}`);
  const waiters = new Map<
    string,
    { resolve: (message: Message) => void; reject: (error: Error) => void }[]
  >();
  const pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  const backlog: Message[] = [];
  let exited: Error | undefined;
  let nextId = 1;

  child.on("message", (raw) => {
    const message = raw as Message;
    if (message.type === "reply" && typeof message.id === "number") {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (typeof message.error === "string") waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.data);
      return;
    }
    const queue = waiters.get(message.type);
    const waiter = queue?.shift();
    if (waiter) waiter.resolve(message);
    else backlog.push(message);
  });
  const exitedPromise = new Promise<void>((resolve) => {
    // `close` comes after the IPC channel is drained: a last message sent before exiting is kept.
    child.once("close", (code, signal) => {
      exited = new Error(`${String(script)} exited (code ${String(code)}, signal ${String(signal)})`);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
      for (const queue of waiters.values()) for (const waiter of queue.splice(0)) waiter.reject(exited);
      resolve();
    });
  });

  const next = (type: string): Promise<Message> => {
    const index = backlog.findIndex((message) => message.type === type);
    if (index >= 0) {
      const [message] = backlog.splice(index, 1);
      if (message) return Promise.resolve(message);
    }
    if (exited) return Promise.reject(exited);
    return new Promise<Message>((resolve, reject) => {
      const queue = waiters.get(type) ?? [];
      queue.push({ resolve, reject });
      waiters.set(type, queue);
    });
  };

  const ready = next("ready");
  // Children that never say `ready` must not leave an unhandled rejection when they exit.
  ready.catch(() => undefined);
  return {
    pid,
    process: child,
    ready,
    next,
    send: (message) => {
      child.send(message);
    },
    query: <T>(what: string, args?: unknown) => {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: (data) => resolve(data as T), reject });
        child.send({ type: "query", id, what, args });
      });
    },
    close: async () => {
      if (exited) return;
      if (child.connected) child.send({ type: "close" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** Child side: answers queries with `handler` and exits on `close` after `onClose`. */
export function serveQueries(
  handler: (what: string, args: unknown) => unknown,
  onClose: () => Promise<void> | void,
): void {
  process.on("message", (raw) => {
    const message = raw as Message;
    if (message.type === "close") {
      void Promise.resolve(onClose()).finally(() => {
        process.disconnect?.();
        process.exit(0);
      });
      return;
    }
    if (message.type !== "query") return;
    Promise.resolve()
      .then(() => handler(String(message.what), message.args))
      .then(
        (data) => process.send?.({ type: "reply", id: message.id, data }),
        (error: unknown) =>
          process.send?.({
            type: "reply",
            id: message.id,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
  });
}

export function sendToParent(message: Message): void {
  process.send?.(message);
}

/** The JSON argument the parent passed to `forkChild`. */
export function childArgument<T>(): T {
  return JSON.parse(process.argv[2] ?? "{}") as T;
}
