/**
 * Text that comes from outside (a target's answer, a server's error message, a Prometheus label)
 * made safe to show: everything a target sends is untrusted, and it ends up in a terminal, a log
 * line or a page. Pure: no Node or AWS imports.
 */

/** How much of an untrusted text a reason shows by default: enough to recognise it, never a page. */
export const UNTRUSTED_TEXT_MAX = 120;

const ELLIPSIS = "...";
const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\\": "\\\\",
};

/**
 * Printable ASCII only, on one line, at most `max` characters: every other character is escaped
 * (`\n`, `\r`, `\t`, `\\`, `\x1b`, `\u00e9`, `\u{1f600}`; undecodable bytes arrive as U+FFFD and
 * show as `\ufffd`), so an ANSI sequence cannot clear a terminal and a newline cannot forge a
 * line. A longer text is cut at an escape boundary and ends with `...`.
 */
export function untrustedText(value: string, max = UNTRUSTED_TEXT_MAX): string {
  const limit = Math.max(max, ELLIPSIS.length + 1);
  const pieces: string[] = [];
  let length = 0;
  for (const char of value) {
    const piece = escapeChar(char);
    if (length + piece.length > limit) {
      // Whole escapes only: half of `\u00e9` would read as something else.
      while (pieces.length > 0 && length + ELLIPSIS.length > limit) length -= pieces.pop()?.length ?? 0;
      return `${pieces.join("")}${ELLIPSIS}`;
    }
    pieces.push(piece);
    length += piece.length;
  }
  return pieces.join("");
}

function escapeChar(char: string): string {
  const named = NAMED_ESCAPES[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  if (code >= 0x20 && code <= 0x7e) return char;
  if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`;
  return code <= 0xffff ? `\\u${hex(code, 4)}` : `\\u{${code.toString(16)}}`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}
