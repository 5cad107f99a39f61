import type { ResumeEntry } from '../domain/run-records.ts';

/**
 * execution_run.resumes: the run's ResumeEntry list as JSON text (null: never resumed). Read by
 * the run repository and the ownership store, written only by the ownership store's claim.
 */
export function readResumes(column: string | null | undefined): ResumeEntry[] {
  if (column === null || column === undefined || column === '') return [];
  const parsed: unknown = JSON.parse(column);
  if (!Array.isArray(parsed)) throw new Error('execution_run.resumes is not a JSON array');
  return parsed as ResumeEntry[];
}

export function writeResumes(entries: readonly ResumeEntry[]): string {
  return JSON.stringify(entries);
}
