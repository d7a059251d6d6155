/**
 * Lambda stand-ins: bench/lambda-child.mjs in a fresh Node process with the V8 heap flags the
 * Lambda Node.js runtime derives from the function's memory (its bootstrap: a tenth of the memory
 * for the young generation, half of that per semi-space, the rest for the old generation) and the
 * function's own NODE_OPTIONS, if the stack sets any.
 */
import { forkChild } from "./ipc.ts";

export function lambdaNodeArgs(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    "--expose-gc",
    "--max-http-header-size=81920",
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

export interface LambdaChildOptions {
  readonly memoryMb: number;
  /** The function's NODE_OPTIONS environment variable, if the stack sets one. */
  readonly nodeOptions?: string;
  /** Extra environment (the child gets PATH, HOME and these, nothing else). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface InvocationFigure {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly logBytes: number;
  readonly down: number;
  readonly published: boolean;
}

export interface LambdaChildResult {
  readonly importMs: number;
  readonly importRssMb: number;
  readonly peakRssMb: number;
  readonly invocations?: InvocationFigure[];
  readonly output?: unknown;
}

export type LambdaChildArgument =
  | { readonly mode: "import"; readonly bundle: string }
  | {
      readonly mode: "handler";
      readonly bundle: string;
      readonly invocations: number;
      readonly pauseMs?: number;
    }
  | { readonly mode: "event"; readonly bundle: string; readonly event: unknown };

export async function runLambdaChild(
  argument: LambdaChildArgument,
  options: LambdaChildOptions,
): Promise<LambdaChildResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    AWS_EC2_METADATA_DISABLED: "true",
    ...options.env,
    ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
  };
  const child = forkChild(new URL("./lambda-child.mjs", import.meta.url), argument, {
    execArgv: lambdaNodeArgs(options.memoryMb),
    env,
  });
  const done = child.next("done");
  const failed = child.next("failed");
  for (const promise of [done, failed]) promise.catch(() => undefined);
  const outcome = await Promise.race([done, failed]);
  await child.close();
  if (outcome.type === "failed") throw new Error(`lambda child failed: ${String(outcome.error)}`);
  return outcome.result as LambdaChildResult;
}
