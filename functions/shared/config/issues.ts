/** How configuration problems are described: one line each, with the field's dotted path. */
import type { z } from "zod";

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `targets.backend.url`; `(root)` for the top level. */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((part, index) => {
      if (typeof part === "number") return `[${part}]`;
      const key = String(part);
      return index === 0 ? key : `.${key}`;
    })
    .join("");
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  return issue.message;
}

export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
  return `${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the configuration\n${lines.join("\n")}`;
}
