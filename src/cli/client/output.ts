// Printing results: aligned tables (default) or JSON (-f json).

export type Format = "table" | "json";
export type Row = Record<string, unknown>;
export type Columns = ReadonlyArray<readonly [key: string, label: string]>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)));
  const line = `+${widths.map((width) => "-".repeat(width + 2)).join("+")}+`;
  const format = (cells: string[]) => `| ${cells.map((text, index) => text.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  return [line, format(header), line, ...rows.map(format), line].join("\n");
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function printList(rows: readonly Row[], columns: Columns, format: Format): void {
  if (format === "json") {
    write(JSON.stringify(rows.map((row) => Object.fromEntries(columns.map(([key, label]) => [label, row[key] ?? null]))), null, 2));
    return;
  }
  write(table(columns.map(([, label]) => label), rows.map((row) => columns.map(([key]) => cell(row[key])))));
}

export function printRecord(record: Row, format: Format): void {
  if (format === "json") {
    write(JSON.stringify(record, null, 2));
    return;
  }
  write(table(["Field", "Value"], Object.entries(record).map(([key, value]) => [key, cell(value)])));
}
