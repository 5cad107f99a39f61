/** Reading Prometheus' text exposition in tests, and waiting on it with a deadline. */

export type Series = Record<string, string>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The sum of the samples named `name` whose labels include `labels` (0 when there is none, as a
 * counter that never moved is absent from the exposition until it has a labelled child).
 */
export function metricValue(text: string, name: string, labels: Series = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Series = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) found[key!] = value!.replace(/\\(.)/g, '$1');
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Every [label, value] pair of the samples whose name starts with `prefix`, in order. */
export function labelValues(text: string, prefix: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || !m[1]!.startsWith(prefix)) continue;
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) pairs.push([key!, value!.replace(/\\(.)/g, '$1')]);
  }
  return pairs;
}

/** Calls `probe` until it returns a value (not undefined), failing after `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
