/** Markup building blocks. Every text from the report goes through `esc`. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and double-quoted attribute values alike. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/** ` data-testid="…"` to put inside a start tag, or nothing without a test id. */
const testIdAttribute = (testId?: string) => (testId ? ` data-testid="${esc(testId)}"` : '');

export function badge(text: string, colour: string, testId?: string): string {
  return `<span class="badge" style="--badge: ${colour}"${testIdAttribute(testId)}>${esc(text)}</span>`;
}

export interface Column {
  title: string;
  /** Right-aligned, with figures of equal width. */
  number?: boolean;
}

/** A table of ready-made `<tr>` rows under a header row. */
export function table(columns: Column[], rows: string[], testId?: string): string {
  const head = columns.map((column) => `<th${column.number ? ' class="number"' : ''}>${esc(column.title)}</th>`).join('');
  return `<table${testIdAttribute(testId)}>
<thead><tr>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}
