/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or
 * edge spaces, quotes doubled. A text starting with = + - @ (or a tab/CR) gets a
 * leading apostrophe: audit rows carry names users choose, and a spreadsheet
 * would run them as formulas.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export const csvRow = (values: readonly unknown[]) => values.map(csvField).join(",") + "\r\n";
