/**
 * The outputs of a deployed stack, as `cdk deploy --outputs-file FILE` writes them (`npm run
 * deploy` writes cdk-outputs.json): what the operator commands read to find the stack's topics
 * and alarms without asking the operator for ARNs.
 */
import { readFile } from "node:fs/promises";
import { errorMessage, isRecord } from "../functions/shared/errors.ts";

export const DEFAULT_OUTPUTS_FILE = "cdk-outputs.json";

export type OutputsResult =
  | { readonly ok: true; readonly stack: string; readonly outputs: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly error: string };

/**
 * The outputs of `stack` in an outputs file; without it, of the file's only stack, or of the only
 * one with the `wanted` output (`cdk deploy --all` writes the probe stacks of the other vantages
 * beside the home stack).
 */
export async function readStackOutputs(
  file: string,
  stack: string | undefined,
  read: (path: string) => Promise<string> = (path) => readFile(path, "utf8"),
  wanted?: string,
): Promise<OutputsResult> {
  let outputs: unknown;
  try {
    outputs = JSON.parse(await read(file));
  } catch (error) {
    return {
      ok: false,
      error: `cannot read the stack outputs from ${file} (${errorMessage(error)}): deploy with \`npm run deploy\` (or \`cdk deploy --outputs-file ${file}\`)`,
    };
  }
  if (!isRecord(outputs)) return { ok: false, error: `${file} is not a cdk outputs file` };
  const stacks = Object.keys(outputs);
  const holding = stacks.filter((name) => {
    const values = outputs[name];
    return wanted !== undefined && isRecord(values) && values[wanted] !== undefined;
  });
  const stackName =
    stack ?? (stacks.length === 1 ? stacks[0] : holding.length === 1 ? holding[0] : undefined);
  if (stackName === undefined) {
    return {
      ok: false,
      error: `${file} holds ${stacks.length === 0 ? "no stack" : `several stacks (${stacks.join(", ")})`}: choose one with --stack`,
    };
  }
  const stackOutputs = outputs[stackName];
  if (!isRecord(stackOutputs)) {
    return {
      ok: false,
      error: `${file} has no stack "${stackName}" (found: ${stacks.join(", ") || "none"})`,
    };
  }
  return { ok: true, stack: stackName, outputs: stackOutputs };
}
