/**
 * The rules the layout keeps (docs/architecture.md), checked on the source: which folder may
 * import which, where the AWS SDK may be imported, and how long a source file may grow.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/probe-function.ts";

function sourceFiles(folder: string): string[] {
  const root = join(PROJECT_ROOT, folder);
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(PROJECT_ROOT, path));
    return /\.(ts|mjs)$/.test(name) ? [relative(PROJECT_ROOT, path)] : [];
  });
}

/** Every module a file imports: package names as written, relative paths resolved from the root. */
/** Static imports and re-exports, side-effect imports (`import "x"`) and dynamic imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, file), "utf8");
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ].map(([, from, bare, dynamic]) => {
    const specifier = from ?? bare ?? dynamic ?? "";
    return specifier.startsWith(".")
      ? relative(PROJECT_ROOT, resolve(dirname(join(PROJECT_ROOT, file)), specifier))
      : specifier;
  });
}

describe("layout rules", () => {
  it("infra/ and commands/ read only functions/shared/ of the Lambda code", () => {
    for (const file of [...sourceFiles("infra"), ...sourceFiles("commands")]) {
      const wrong = importsOf(file).filter(
        (path) => path.startsWith("functions/") && !path.startsWith("functions/shared/"),
      );
      expect(wrong, file).toEqual([]);
    }
  });

  it("nothing under bench/, scripts/ or support/ imports from test/", () => {
    for (const file of [...sourceFiles("bench"), ...sourceFiles("scripts"), ...sourceFiles("support")]) {
      expect(
        importsOf(file).filter((path) => path.startsWith("test/")),
        file,
      ).toEqual([]);
    }
  });

  it("the AWS SDK is imported in functions/ only by the adapters, but for its pure signer and hash", () => {
    // The S3 check signs its requests with the SDK's SigV4 signer: computation, no I/O.
    const pure = new Set(["@smithy/signature-v4", "@smithy/core/serde"]);
    for (const file of sourceFiles("functions")) {
      if (file.startsWith("functions/probe/adapters/")) continue;
      expect(
        importsOf(file).filter(
          (path) => (path.startsWith("@aws-sdk/") || path.startsWith("@smithy/")) && !pure.has(path),
        ),
        file,
      ).toEqual([]);
    }
  });

  it("functions/shared/ stays pure: no Node or AWS module but the config file loaders", () => {
    // The operator's file (CLI, CDK app) and the file the CDK app bundles (the Lambda).
    const loaders = new Set(["functions/shared/config/file.ts", "functions/shared/config/bundled.ts"]);
    for (const file of sourceFiles("functions/shared")) {
      if (loaders.has(file)) continue;
      expect(
        importsOf(file).filter((path) => path.startsWith("node:") || path.startsWith("@aws-sdk/")),
        file,
      ).toEqual([]);
    }
  });

  it("keeps every source file of functions/ and infra/ to about 300 lines (the alarm catalogue excepted)", () => {
    const catalogue = "functions/shared/alarms.ts";
    for (const file of [...sourceFiles("functions"), ...sourceFiles("infra")]) {
      if (file === catalogue) continue;
      const lines = readFileSync(join(PROJECT_ROOT, file), "utf8").split("\n").length;
      expect(lines, `${file}: split it by concern`).toBeLessThanOrEqual(320);
    }
  });
});
