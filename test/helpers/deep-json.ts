// Deeply nested JSON as text. A client may send a body thousands of levels deep; building it as an
// object and calling JSON.stringify would overflow the test's own stack (a process's main thread
// has a smaller one than a worker thread), so the text is written directly and the server alone
// has to cope with the depth.

/** `depth` levels of `{"<key>": …}` (or `[…]` with asArray) around `leaf` (JSON text). */
export function deepJsonText(depth: number, { key = 'n', asArray = false, leaf = '"leaf"' }: { key?: string; asArray?: boolean; leaf?: string } = {}): string {
  const open = asArray ? '[' : `{${JSON.stringify(key)}:`;
  const close = asArray ? ']' : '}';
  return `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
}

/** `fields` serialised, with one more field whose value is the JSON text `raw` (not re-encoded). */
export function withRawField(fields: Record<string, unknown>, name: string, raw: string): string {
  const head = JSON.stringify(fields);
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}${JSON.stringify(name)}:${raw}}`;
}
