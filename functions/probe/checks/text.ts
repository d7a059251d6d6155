/**
 * Text a target sent, made safe for a terminal, a log line or a page: printable ASCII only (every
 * other character becomes `?`), cut to a length. Used for the few server-given facts the deep
 * checks show (LiveKit's version and region, an S3 error code, a TURN host name).
 */
export function printable(text: string, max = 64): string {
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** A name fit for a room, an identity or an object key: letters, digits, `-` and `_`. */
export function slug(text: string, max = 40): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, max) || "monitor";
}
