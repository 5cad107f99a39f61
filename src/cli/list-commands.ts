import type { ApiClient } from './api-client.ts';
import { EXIT } from './exit-codes.ts';
import { drawTree, footer, formatTable, print, type Page, type TreeNode } from './text-output.ts';
import { oneLine } from './run-progress.ts';

export interface PageFlags {
  json: boolean;
  page: number;
  size: number;
}

export async function runsCommand(client: ApiClient, flags: PageFlags & { status?: string; hierarchy?: string }): Promise<number> {
  const page = await client.post<Page<{ id: number; status: string; completed_with_errors?: boolean; hierarchy_id: string; task: string; created_at: string; completed_at: string | null }>>(
    'runs/list', { page: flags.page, size: flags.size, ...(flags.status && { status: flags.status }), ...(flags.hierarchy && { hierarchy_id: flags.hierarchy }) });
  if (flags.json) return print(JSON.stringify(page)), EXIT.ok;
  print(formatTable(['ID', 'STATUS', 'CREATED', 'HIERARCHY', 'TASK'], page.content.map((r) => [
    String(r.id), r.completed_with_errors ? 'completed with errors' : r.status, r.created_at.replace('T', ' ').slice(0, 19), r.hierarchy_id, oneLine(r.task, 60),
  ])));
  print(footer(page));
  return EXIT.ok;
}

/** `cadre delete <run>`: deletes the run with its events (a live one is cancelled first). */
export async function deleteCommand(client: ApiClient, runId: number, flags: { json: boolean }): Promise<number> {
  const answer = await client.post<{ id: number; deleted: boolean }>('runs/delete', { id: runId });
  print(flags.json ? JSON.stringify(answer) : `run ${answer.id} deleted`);
  return EXIT.ok;
}

/** `cadre inspect <run>`: the run's actor tree (live while it runs, the final one after). */
export async function inspectCommand(client: ApiClient, runId: number, flags: { json: boolean }): Promise<number> {
  const data = await client.post<{ run_id: number; live: boolean; status: string; tree: TreeNode | null }>('runs/inspect', { id: runId });
  if (flags.json) return print(JSON.stringify(data)), EXIT.ok;
  print(`run ${data.run_id} · ${data.status} · ${data.live ? 'live tree' : 'final tree'}`);
  print(data.tree ? drawTree(data.tree) : '(no tree recorded)');
  return EXIT.ok;
}

export async function hierarchiesCommand(client: ApiClient, flags: PageFlags): Promise<number> {
  const page = await client.post<Page<{ id: string; name: string; execution_mode: string; teams: Array<{ workers: unknown[] }>; version: number; is_active: boolean }>>(
    'hierarchies/list', { page: flags.page, size: flags.size });
  if (flags.json) return print(JSON.stringify(page)), EXIT.ok;
  print(formatTable(['ID', 'NAME', 'MODE', 'TEAMS', 'WORKERS', 'VERSION', 'ACTIVE'], page.content.map((h) => [
    h.id, h.name, h.execution_mode, String(h.teams.length), String(h.teams.reduce((n, t) => n + t.workers.length, 0)), String(h.version), h.is_active ? 'yes' : 'no',
  ])));
  print(footer(page));
  return EXIT.ok;
}

export async function modelsCommand(client: ApiClient, flags: PageFlags): Promise<number> {
  const page = await client.post<Page<{ id: string; name: string; provider: string; model_id: string; is_active: boolean }>>(
    'models/list', { page: flags.page, size: flags.size });
  if (flags.json) return print(JSON.stringify(page)), EXIT.ok;
  print(formatTable(['ID', 'NAME', 'PROVIDER', 'MODEL', 'ACTIVE'], page.content.map((m) => [
    m.id, m.name, m.provider, m.model_id, m.is_active ? 'yes' : 'no',
  ])));
  print(footer(page));
  return EXIT.ok;
}
