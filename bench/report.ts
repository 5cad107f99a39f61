/** The bench's output: a table on stdout and bench/results.json with the machine and versions. */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { Row } from './scenarios/context.ts';

const fmt = (v: number | null | undefined): string => {
  if (v == null) return '—';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};

/** Columns padded to their widest cell; the checks column last and unpadded. */
export function table(rows: Row[], targets: string[]): string {
  const head = ['scenario', 'case', 'metric', ...targets, 'ratio', 'checks'];
  const cells = rows.map((r) => [
    r.scenario, r.case, `${r.metric} (${r.unit})`, ...targets.map((t) => fmt(r.values[t])), r.ratio == null ? '—' : `${r.ratio.toFixed(2)}×`, r.checks,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : i >= 3 && i < c.length - 1 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function versionOf(pkg: string): Promise<string | null> {
  try {
    const text = await readFile(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Open files a process may hold (`ulimit -n`, inherited by the bench's children); Infinity if unlimited. */
export function fileLimit(): number {
  const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? Infinity : Number(text);
}

export async function machine() {
  const list = cpus();
  const own = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    cpus: { model: list[0]?.model ?? 'unknown', count: list.length },
    total_memory_mb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    open_files_limit: fileLimit(),
    packages: {
      cadre: own.version,
      xstate: await versionOf('xstate'),
      koa: await versionOf('koa'),
      '@mikro-orm/core': await versionOf('@mikro-orm/core'),
      ai: await versionOf('ai'),
    },
  };
}

export async function writeResults(path: URL, results: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
