/**
 * A name the deep checks make up (a room, an identity, an object key): letters, digits, `-` and
 * `_`. What a target sends is shown through `untrustedText` (../../shared/text.ts) instead.
 */
export function slug(text: string, max = 40): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, max) || "monitor";
}
