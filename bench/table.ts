export interface Row {
  section: string;
  what: string;
  value: number;
  unit: string;
  /** `value` must be at most (`max`) or at least (`min`) this to meet the target. */
  target?: { max: number } | { min: number };
  note?: string;
}

export function meets(row: Row): boolean | undefined {
  if (!row.target) return undefined;
  return "max" in row.target ? row.value <= row.target.max : row.value >= row.target.min;
}

function format(value: number, unit: string): string {
  const digits = value >= 100 || Number.isInteger(value) ? 0 : value >= 10 ? 1 : 2;
  return `${value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function renderTable(rows: Row[]): string {
  const cells = rows.map((row) => {
    const ok = meets(row);
    const target = row.target
      ? "max" in row.target
        ? `≤ ${format(row.target.max, row.unit)}`
        : `≥ ${format(row.target.min, row.unit)}`
      : "";
    return [
      row.section,
      row.what,
      format(row.value, row.unit),
      target,
      ok === undefined ? "" : ok ? "ok" : "MISS",
      row.note ?? "",
    ];
  });
  const header = ["section", "measure", "median", "target", "", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
