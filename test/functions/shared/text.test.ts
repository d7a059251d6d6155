/** What a target sends, made safe to show: printable ASCII, one line, short. */
import { describe, expect, it } from "vitest";
import { describeSdkError } from "../../../functions/shared/errors.ts";
import { UNTRUSTED_TEXT_MAX, untrustedText } from "../../../functions/shared/text.ts";

const PRINTABLE = /^[\x20-\x7e]*$/;

describe("untrustedText", () => {
  it("keeps printable ASCII as it is", () => {
    expect(untrustedText('status ok: {"a": 1} ~!@#$%^&*()')).toBe('status ok: {"a": 1} ~!@#$%^&*()');
  });

  it("escapes newlines, carriage returns, tabs and the backslash itself, so escapes are unambiguous", () => {
    expect(untrustedText("a\nb\rc\td\\n")).toBe("a\\nb\\rc\\td\\\\n");
  });

  it("escapes ANSI sequences and every other control character", () => {
    const text = untrustedText("\u001b[2J\u001b[32mALL GOOD\u0007\u0000\u007f\u009b");
    expect(text).toBe("\\x1b[2J\\x1b[32mALL GOOD\\x07\\x00\\x7f\\u009b");
    expect(text).toMatch(PRINTABLE);
  });

  it("escapes non-ASCII: Latin-1, the replacement character of invalid UTF-8, astral and lone surrogates", () => {
    const invalidUtf8 = Buffer.from([0x6f, 0x6b, 0xff, 0xc3, 0x28]).toString("utf8");
    expect(untrustedText(invalidUtf8)).toBe("ok\\ufffd\\ufffd(");
    expect(untrustedText("é😀\ud800")).toBe("\\u00e9\\u{1f600}\\ud800");
    expect(untrustedText("\u2028\u2029")).toBe("\\u2028\\u2029");
  });

  it("cuts a long text to the limit, ellipsis included, never inside an escape", () => {
    expect(untrustedText("x".repeat(10_000))).toBe(`${"x".repeat(UNTRUSTED_TEXT_MAX - 3)}...`);
    expect(untrustedText("abcdefgh", 8)).toBe("abcdefgh");
    expect(untrustedText("abcdefghi", 8)).toBe("abcde...");
    // "ab" then \u00e9 (6 characters) would end at 8, but the ellipsis must fit: the escape goes whole.
    expect(untrustedText("abéé", 8)).toBe("ab...");
    for (let max = 4; max < 30; max++) {
      const text = untrustedText("é\n\u001b".repeat(20), max);
      expect(text.length).toBeLessThanOrEqual(max);
      expect(text).toMatch(/^(\\u00e9|\\n|\\x1b)*\.\.\.$/);
    }
  });
});

describe("SDK error texts", () => {
  it("are made printable and short: the name and message come from whatever answered", () => {
    const error = Object.assign(new Error(`\u001b[2Jbad request ${"y".repeat(500)}\nforged: line`), {
      name: "Invalid\u001bName",
      $metadata: { httpStatusCode: 400 },
    });
    const text = describeSdkError("PutMetricData", error);
    expect(text).toMatch(PRINTABLE);
    expect(text).toMatch(
      /^PutMetricData failed: Invalid\\x1bName: \\x1b\[2Jbad request y+\.\.\. \(HTTP 400\)$/,
    );
    expect(text).not.toContain("forged");
    expect(text.length).toBeLessThan(200);
  });
});
