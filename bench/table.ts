/** Plain-text tables for the bench's output. */

export function table(
  title: string,
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => format(cell)));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 0 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const [head, ...body] = cells;
  return [`\n${title}`, line(head ?? []), rule, ...body.map(line)].join("\n");
}

function format(cell: unknown): string {
  if (cell === undefined || cell === null) return "-";
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return "-";
    return Number.isInteger(cell) ? String(cell) : String(Math.round(cell * 1000) / 1000);
  }
  return String(cell);
}
