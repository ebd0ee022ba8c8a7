/** Columns padded to their widest cell; the header in capitals. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}

/** 2026-11-22 10:05 (UTC), or "-". */
export const when = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "-");

export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const print = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
export const json = (value: unknown) => print(JSON.stringify(value, null, 2));
/** Progress goes to stderr, so stdout stays the command's result (tables, JSON) for scripts. */
export const progress = (message: string) => process.stderr.write(`${message}\n`);
