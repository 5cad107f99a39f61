import type { ApiClient } from './api-client.ts';
import { EXIT } from './exit-codes.ts';
import { footer, formatTable, print, type Page } from './text-output.ts';
import { oneLine } from './run-progress.ts';
import type { PageFlags } from './list-commands.ts';

/** `threads/get`'s and `threads/list`'s view of a thread (src/domain/thread-schemas.ts). */
export interface ThreadJson {
  id: string;
  hierarchy_id: string;
  metadata: Record<string, unknown>;
  status: 'idle' | 'busy' | 'interrupted' | 'error';
  run_count: number;
  last_run_id: number | null;
  created_at: string;
  updated_at: string;
}

interface RunJson {
  id: number;
  status: string;
  task: string;
  result: string | null;
  error: string | null;
  created_at: string;
}

const when = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** Metadata on one line, `k=v` (a value that is not a string as its JSON). */
function metadataLine(metadata: Record<string, unknown>): string {
  return Object.entries(metadata).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** What a run answered, or why it has no answer: the thread's conversation at a glance. */
function answerOf(run: RunJson): string {
  if (run.result) return run.result;
  if (run.error) return `(${run.status}: ${run.error})`;
  return '';
}

/** `cadre threads`: newest first, the API's page with `--json`. */
export async function threadsCommand(client: ApiClient, flags: PageFlags & { hierarchy?: string }): Promise<number> {
  const page = await client.post<Page<ThreadJson>>('threads/list', { page: flags.page, size: flags.size, ...(flags.hierarchy && { hierarchy_id: flags.hierarchy }) });
  if (flags.json) return print(JSON.stringify(page)), EXIT.ok;
  print(formatTable(['ID', 'STATUS', 'RUNS', 'LAST RUN', 'UPDATED', 'HIERARCHY', 'METADATA'], page.content.map((th) => [
    th.id, th.status, String(th.run_count), th.last_run_id === null ? '-' : String(th.last_run_id), when(th.updated_at), th.hierarchy_id, oneLine(metadataLine(th.metadata), 60),
  ])));
  print(footer(page));
  return EXIT.ok;
}

/** `cadre thread <id>`: the thread and its runs, newest first; `--json`: `{thread, runs}` as the API answers them. */
export async function threadCommand(client: ApiClient, id: string, flags: PageFlags): Promise<number> {
  // The thread first: an unknown one is the API's 404 (exit 5), not an empty list of runs.
  const thread = await client.post<ThreadJson>('threads/get', { id });
  const runs = await client.post<Page<RunJson>>('runs/list', { thread_id: id, page: flags.page, size: flags.size });
  if (flags.json) return print(JSON.stringify({ thread, runs })), EXIT.ok;
  print(`thread ${thread.id} · ${thread.status} · hierarchy ${thread.hierarchy_id} · ${thread.run_count} run${thread.run_count === 1 ? '' : 's'} · created ${when(thread.created_at)}`);
  if (Object.keys(thread.metadata).length > 0) print(`metadata: ${metadataLine(thread.metadata)}`);
  if (runs.content.length === 0) {
    print(runs.totalElements === 0 ? `(no runs yet: cadre run --thread ${thread.id} "<task>")` : '(no runs on this page)');
    return EXIT.ok;
  }
  print('');
  print(formatTable(['ID', 'STATUS', 'CREATED', 'TASK', 'ANSWER'], runs.content.map((r) => [
    String(r.id), r.status, when(r.created_at), oneLine(r.task, 40), oneLine(answerOf(r), 60),
  ])));
  if (runs.totalPages > 1) print(`page ${runs.page} of ${runs.totalPages} · ${runs.totalElements} runs`);
  return EXIT.ok;
}

/** `cadre thread create <hierarchy>`: the new id alone on stdout (for `T=$(cadre thread create …)`). */
export async function threadCreateCommand(client: ApiClient, hierarchy: string, flags: { json: boolean; metadata: Record<string, string> }): Promise<number> {
  const thread = await client.post<ThreadJson>('threads/create', {
    hierarchy_id: hierarchy, ...(Object.keys(flags.metadata).length > 0 && { metadata: flags.metadata }),
  });
  print(flags.json ? JSON.stringify(thread) : thread.id);
  return EXIT.ok;
}

/** `cadre thread delete <id>`: the thread with its runs (refused, 409, while one is live). */
export async function threadDeleteCommand(client: ApiClient, id: string, flags: { json: boolean }): Promise<number> {
  const answer = await client.post<{ id: string; deleted: boolean }>('threads/delete', { id });
  print(flags.json ? JSON.stringify(answer) : `thread ${answer.id} deleted`);
  return EXIT.ok;
}
