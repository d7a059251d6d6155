/**
 * How configuration problems are described: one line each, with the field's dotted path, saying
 * what was expected and what was found. A value found is shown only when it cannot be a secret
 * (a number, a boolean, null, a length): a string may be a password put in the wrong place.
 */
import type { z } from "zod";
import { isRecord } from "../errors.ts";
import { untrustedText } from "../text.ts";

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `targets.backend.url`; `(root)` for the top level. */
  readonly path: string;
  readonly message: string;
}

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

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

/**
 * Validates `input` against `schema` and describes every problem. zod's own words are replaced
 * where the schema gave none (`expectedText`), what was found is added (`foundSuffix`), and a
 * union is reported as the branch the value was meant for (`expandUnion`).
 */
export function validate<T extends z.ZodType>(
  schema: T,
  input: unknown,
): { ok: true; data: z.output<T> } | { ok: false; issues: ConfigIssue[] } {
  const result = schema.safeParse(input, { reportInput: true, error: expectedText });
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    issues: result.error.issues.flatMap(expandUnion).map((issue) => ({
      path: formatPath(issue.path),
      message: describeIssue(issue),
    })),
  };
}

/** One issue in words: the schema's or `expectedText`'s, with what was found. */
export function describeIssue(issue: Issue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${untrustedText(k, 40)}"`).join(", ")}`;
  }
  return `${issue.message}${foundSuffix(issue)}`;
}

/**
 * zod's error map for the issues the schema has no message of its own for: what was expected.
 * `is required` only for a field that is really absent (JSON has no `undefined` value).
 */
export function expectedText(issue: RawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${typeName(issue.expected)}, got ${foundText(issue.input)}`;
    case "too_small":
      return `must be ${sizeBound(issue.origin, "at least", issue.minimum, issue.inclusive !== false)}`;
    case "too_big":
      return `must be ${sizeBound(issue.origin, "at most", issue.maximum, issue.inclusive !== false)}`;
    case "invalid_format":
      if (issue.format === "regex" && issue.pattern !== undefined) return `must match ${issue.pattern}`;
      return `must be a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return "has unknown fields";
    case "invalid_union":
      if (issue.discriminator !== undefined && Array.isArray(issue.options)) {
        return discriminatorText(issue.discriminator, issue.options, issue.input);
      }
      return "matches none of the accepted forms";
    case "invalid_key":
      return `has an invalid key: ${issue.issues.map((inner) => inner.message).join("; ")}`;
    case "invalid_element":
      return `has an invalid element: ${issue.issues.map((inner) => inner.message).join("; ")}`;
    case "invalid_value":
      return `must be ${issue.values.map(literalText).join(" or ")}`;
    case "custom":
      return "is invalid";
  }
}

/** What was found, for the issues whose message says only what was expected. */
function foundSuffix(issue: Issue): string {
  const { input } = issue;
  switch (issue.code) {
    case "too_small":
    case "too_big":
      if (typeof input === "number" || typeof input === "bigint") return `, got ${String(input)}`;
      // An empty string or array needs no "got": the message already says it must not be empty.
      if ((typeof input === "string" || Array.isArray(input)) && input.length === 0) return "";
      if (typeof input === "string") return `, got ${plural(input.length, "character")}`;
      if (Array.isArray(input)) return `, got ${plural(input.length, "item")}`;
      return "";
    case "invalid_value":
      // A choice among a few names, never a secret: the value found is quoted so a typo shows.
      if (input === undefined) return "";
      return `, got ${typeof input === "string" ? literalText(input) : foundText(input)}`;
    case "custom":
      // A rule about one number (log retention days): the number found. Rules about an object
      // (`ca` and `caFile`) carry the object as their input and say it all in their message.
      return typeof input === "number" ? `, got ${foundText(input)}` : "";
    default:
      return "";
  }
}

/**
 * A union the value failed: when one branch accepted the value's type (a list where a URL or a
 * list is allowed), that branch's problems are the real ones; when none did, one line says which
 * types would have been accepted.
 */
function expandUnion(issue: Issue): Issue[] {
  if (issue.code !== "invalid_union" || issue.discriminator !== undefined || issue.errors.length === 0) {
    return [issue];
  }
  const meant = issue.errors.filter((branch) => !rejectsType(branch));
  if (meant.length > 0) {
    const [branch] = meant;
    return (branch ?? []).flatMap((inner) =>
      expandUnion({ ...inner, path: [...issue.path, ...inner.path] } as Issue),
    );
  }
  const accepted = [...new Set(issue.errors.flatMap((branch) => branch.flatMap(acceptedTypes)))];
  return [
    {
      ...issue,
      message: `expected ${accepted.join(" or ")}, got ${foundText(issue.input)}`,
    },
  ];
}

/** A branch that failed on the value's type alone, before looking inside it. */
function rejectsType(branch: readonly Issue[]): boolean {
  return branch.every(
    (inner) =>
      inner.path.length === 0 &&
      (inner.code === "invalid_type" ||
        inner.code === "invalid_value" ||
        (inner.code === "invalid_union" && inner.errors.every(rejectsType))),
  );
}

function acceptedTypes(inner: Issue): string[] {
  if (inner.code === "invalid_type") return [typeName(inner.expected)];
  if (inner.code === "invalid_value") return inner.values.map(literalText);
  if (inner.code === "invalid_union") return inner.errors.flatMap((branch) => branch.flatMap(acceptedTypes));
  return [];
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
  null: "null",
  bigint: "an integer",
  nan: "a number",
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** A value found, without quoting a string (it may be a secret typed in the wrong field). */
function foundText(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  switch (typeof input) {
    case "string":
      return input === "" ? "an empty string" : "a string";
    case "number":
      return Number.isFinite(input) ? String(input) : "a number that is not finite";
    case "boolean":
      return String(input);
    case "object":
      return "an object";
    default:
      return typeof input;
  }
}

function literalText(value: unknown): string {
  return typeof value === "string" ? `"${untrustedText(value, 40)}"` : String(value);
}

/**
 * A discriminator (`preset`) is a choice among names, never a secret: the value found is quoted
 * (made printable and short) so a typo is obvious.
 */
function discriminatorText(key: string, options: readonly unknown[], input: unknown): string {
  const choices = `one of ${options.map(literalText).join(", ")}`;
  const found = isRecord(input) ? input[key] : undefined;
  if (found === undefined) return `is required: ${choices}`;
  const shown = typeof found === "string" ? literalText(found) : foundText(found);
  return `must be ${choices}, got ${shown}`;
}

function sizeBound(origin: string, bound: string, limit: number | bigint, inclusive: boolean): string {
  const value = Number(limit);
  if (origin === "string") {
    return value === 1 && bound === "at least" ? "non-empty" : `${bound} ${plural(value, "character")} long`;
  }
  if (origin === "array" || origin === "set") {
    return value === 1 && bound === "at least"
      ? "a non-empty array"
      : `an array of ${bound} ${plural(value, "item")}`;
  }
  if (inclusive) return `${bound} ${value}`;
  return `${bound === "at least" ? "greater" : "less"} than ${value}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
  return `${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the configuration\n${lines.join("\n")}`;
}
