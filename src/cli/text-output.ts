/** Human output of the CLI: aligned tables and the actor tree. */

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A node of `runs/inspect`'s tree (see src/actors/actor-tree.ts). */
export interface TreeNode {
  id: string;
  kind: string;
  status: string;
  state?: unknown;
  agent_name?: string;
  team_name?: string | null;
  role?: string | null;
  busy_with?: string | null;
  agent_id?: string;
  stats?: { model_calls?: number; input_tokens?: number; output_tokens?: number; tool_calls?: number; errors?: number };
  /** How its last task ended (typed outcomes); only a non-completed one is worth a mention. */
  outcome?: { status?: string; partial_output?: string | null } | null;
  children: TreeNode[];
}

function label(node: TreeNode): string {
  const name = node.agent_name
    ? `${node.kind} ${node.agent_name}${node.team_name && node.kind !== 'team_supervisor' ? ` (${node.team_name})` : node.team_name ? ` [${node.team_name}]` : ''}`
    : node.id === node.kind || node.id.startsWith(`${node.kind}:`) ? node.id : `${node.kind} ${node.id}`;
  const state = typeof node.state === 'string' ? node.state : node.state && typeof node.state === 'object' ? JSON.stringify(node.state) : '';
  const parts = [name, `${node.status}${state ? `/${state}` : ''}`];
  const s = node.stats;
  if (s && (s.model_calls ?? 0) > 0) parts.push(`${s.model_calls} calls, ${s.input_tokens ?? 0} in / ${s.output_tokens ?? 0} out tokens`);
  if (s && (s.tool_calls ?? 0) > 0) parts.push(`${s.tool_calls} tool calls`);
  if (s && (s.errors ?? 0) > 0) parts.push(`${s.errors} errors`);
  if (node.outcome?.status && node.outcome.status !== 'completed') {
    parts.push(`${node.outcome.status}${node.outcome.partial_output ? ` (partial output ${node.outcome.partial_output.length} chars)` : ''}`);
  }
  // The id `cadre agents cancel|steer` takes.
  if (node.agent_id) parts.push(`id ${node.agent_id}`);
  if (node.busy_with) parts.push(`busy: ${node.busy_with.replace(/\s+/g, ' ').slice(0, 50)}`);
  return parts.join(' · ');
}

/** The tree drawn with box lines, one node a line. */
export function drawTree(root: TreeNode): string {
  const lines = [label(root)];
  const walk = (node: TreeNode, indent: string) => {
    node.children.forEach((child, i) => {
      const lastChild = i === node.children.length - 1;
      lines.push(`${indent}${lastChild ? '└─ ' : '├─ '}${label(child)}`);
      walk(child, indent + (lastChild ? '   ' : '│  '));
    });
  };
  walk(root, '');
  return lines.join('\n');
}

/** A page of the API's list answers, as the CLI prints it. */
export interface Page<T> {
  content: T[];
  page: number;
  totalElements: number;
  totalPages: number;
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** The line under a listed page. */
export function footer<T>(page: Page<T>): string {
  return `page ${page.page} of ${Math.max(1, page.totalPages)} · ${page.totalElements} in all`;
}
