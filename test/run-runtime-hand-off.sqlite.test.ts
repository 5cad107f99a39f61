import test from 'ava';
import { OWNER_LOST, RunRuntime } from '../src/host/run-runtime.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { within } from './helpers/within-deadline.ts';
import { launchOf, RecordingPersistence, runPlan, teamPlan } from './helpers/plans.ts';

const sqlite = useSqliteEventLog();

test('a run whose hand-off fails at shutdown (checkpointed, ownership not given up) is settled, not left waiting', async (t) => {
  await sqlite.ready;
  const paced = { tokenDelayMs: 5, replyTokens: 400 };
  const plan = runPlan(2101, { teams: [teamPlan('Alpha', ['Ada'], { supervisor: paced, workers: { Ada: paced } })] });
  let checkpointed!: () => void;
  const firstCheckpoint = new Promise<void>((resolve) => { checkpointed = resolve; });
  const runtime = new RunRuntime({
    eventLog: sqlite.log, logger: silentLogger, persistenceFor: () => new RecordingPersistence(),
    saveCheckpoint: async () => { checkpointed(); },
  });
  const done = runtime.start(launchOf(plan));
  await within(firstCheckpoint, 20_000, 'the run\'s first checkpoint');
  const asked: number[] = [];
  // The database went away as the process was leaving: giving the run up fails.
  const result = await within(runtime.handOff(1000, async (runId) => {
    asked.push(runId);
    throw new Error('the database cannot be reached');
  }), 20_000, 'the hand-off');
  t.deepEqual(asked, [plan.runId]);
  t.deepEqual(result, { handedOff: [], handedBack: [] });
  // Its job must end (a queue's close waits for it): it resumes elsewhere once this process's lease lapses.
  t.like(await within(done, 5_000, 'the run\'s outcome'), { status: 'failed', error: OWNER_LOST });
  t.deepEqual(runtime.liveRunIds(), []);
});
