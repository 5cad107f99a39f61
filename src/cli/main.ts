import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { followCommand, runCommand } from './run-commands.ts';
import { agentCancelCommand, agentSteerCommand, respondCommand } from './agent-commands.ts';
import { shellQuote } from './control-event-lines.ts';
import { deleteCommand, hierarchiesCommand, inspectCommand, modelsCommand, runsCommand } from './list-commands.ts';
import { threadCommand, threadCreateCommand, threadDeleteCommand, threadsCommand } from './thread-commands.ts';

/** The Cadre command line: `npx cadre …` (bin/cadre.js runs this file on the project's Node 24). */

interface GlobalFlags {
  url: string;
  tenant?: string;
  key?: string;
  json: boolean;
}

function positiveInt(what: string) {
  return (value: string): number => {
    if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
    return Number(value);
  };
}

/** Collects repeated `--metadata key=value` into one object. */
function metadataPair(value: string, into: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('--metadata takes key=value');
  return { ...into, [value.slice(0, at)]: value.slice(at + 1) };
}

function nonNegativeInt(what: string) {
  return (value: string): number => {
    if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError(`${what} must be an integer ≥ 0`);
    return Number(value);
  };
}

const DEFAULT_URL = 'http://localhost:8082';

const program = new Command('cadre')
  .description('Run and watch Cadre agent hierarchies; manage API keys.')
  .addOption(new Option('--url <url>', 'the Cadre server').env('CADRE_URL').default(DEFAULT_URL))
  .addOption(new Option('--tenant <tenant>', 'tenant to act as (X-Tenant-Id); with API keys the key decides it'))
  .addOption(new Option('--key <key>', 'API key (Authorization: Bearer)').env('CADRE_API_KEY'))
  .option('--json', 'machine-readable output: JSON, or one event a line for run/tail', false)
  .showHelpAfterError('(cadre --help lists the commands)')
  .exitOverride()
  .addHelpText('after', `
Exit codes: 0 ok (run completed, with errors too) · 1 run failed · 2 usage error · 3 run cancelled ·
            4 server (or database) unreachable · 5 request refused (4xx) · 6 unauthorized (401/403) · 7 server error (5xx)`);

function globals(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals<GlobalFlags>();
}

function client(cmd: Command): ApiClient {
  const g = globals(cmd);
  return new ApiClient({ url: g.url, ...(g.tenant && { tenant: g.tenant }), ...(g.key && { key: g.key }) });
}

/** `cadre` with the flags that reach the same server as this one, for commands the CLI prints (the key is never printed). */
function respondPrefix(cmd: Command): string {
  const g = globals(cmd);
  return ['cadre', ...(g.url !== DEFAULT_URL ? ['--url', shellQuote(g.url)] : []), ...(g.tenant ? ['--tenant', shellQuote(g.tenant)] : [])].join(' ');
}

const retryOption = () => new Option('--retry-for <seconds>', 'keep reconnecting to a server that went away this long')
  .argParser(positiveInt('--retry-for')).default(30);

program.command('run')
  .description('start a run and follow it live (agents active, tokens, elapsed), then print its answer')
  .argument('<hierarchy>', "hierarchy id or name (with --thread it may be left out: the thread's)")
  .argument('[task]', 'the task')
  .option('--thread <id>', "continue this thread: the run is told the thread's earlier tasks and answers")
  .option('--interrupt', "with --thread: cancel the thread's live run instead of being refused", false)
  .option('--enqueue', "with --thread: wait for the thread's live run to end, then run (told its answer)", false)
  .addOption(retryOption())
  .action(async (first: string, second: string | undefined, opts: { retryFor: number; thread?: string; interrupt: boolean; enqueue: boolean }, cmd: Command) => {
    // One operand is the task, and only a thread says which hierarchy it runs on.
    const [hierarchy, task] = second === undefined ? [undefined, first] : [first, second];
    process.exitCode = await runCommand(client(cmd), hierarchy, task, {
      json: globals(cmd).json, retryForMs: opts.retryFor * 1000, respondPrefix: respondPrefix(cmd),
      ...(opts.thread !== undefined && { thread: opts.thread }), interrupt: opts.interrupt, enqueue: opts.enqueue,
    });
  });

program.command('tail')
  .description('follow a run to its end (from the start, or after --after), resuming with Last-Event-ID when the stream drops')
  .argument('<run>', 'run id', positiveInt('run'))
  .option('--after <event-id>', 'start after this event id', nonNegativeInt('--after'))
  .addOption(retryOption())
  .action(async (run: number, opts: { after?: number; retryFor: number }, cmd: Command) => {
    process.exitCode = await followCommand(client(cmd), run, {
      json: globals(cmd).json, retryForMs: opts.retryFor * 1000, respondPrefix: respondPrefix(cmd), ...(opts.after !== undefined && { after: opts.after }),
    });
  });

const pageOptions = (cmd: Command) => cmd
  .option('--page <n>', 'page, from 1', positiveInt('--page'), 1)
  .option('--size <n>', 'rows per page, 1..100', positiveInt('--size'), 20);

pageOptions(program.command('runs').description('list runs, newest first'))
  .option('--status <status>', 'pending | running | waiting_input | completed | failed | cancelled')
  .option('--hierarchy <id>', 'only runs of this hierarchy id')
  .action(async (opts: { page: number; size: number; status?: string; hierarchy?: string }, cmd: Command) => {
    process.exitCode = await runsCommand(client(cmd), { ...opts, json: globals(cmd).json });
  });

program.command('inspect')
  .description("draw a run's actor tree (live while it runs, the final one after)")
  .argument('<run>', 'run id', positiveInt('run'))
  .action(async (run: number, _opts: unknown, cmd: Command) => {
    process.exitCode = await inspectCommand(client(cmd), run, { json: globals(cmd).json });
  });

program.command('delete')
  .description('delete a run with its events (a live run is cancelled first)')
  .argument('<run>', 'run id', positiveInt('run'))
  .action(async (run: number, _opts: unknown, cmd: Command) => {
    process.exitCode = await deleteCommand(client(cmd), run, { json: globals(cmd).json });
  });

pageOptions(program.command('threads').description('list threads (conversations of runs on one hierarchy), newest first'))
  .option('--hierarchy <id>', 'only threads of this hierarchy (id or name)')
  .action(async (opts: { page: number; size: number; hierarchy?: string }, cmd: Command) => {
    process.exitCode = await threadsCommand(client(cmd), { ...opts, json: globals(cmd).json });
  });

const thread = pageOptions(program.command('thread')
  .description("show a thread and its runs, newest first (task and answer of each); create or delete one")
  .argument('<id>', 'thread id'))
  .action(async (id: string, opts: { page: number; size: number }, cmd: Command) => {
    process.exitCode = await threadCommand(client(cmd), id, { ...opts, json: globals(cmd).json });
  });
thread.command('create')
  .description('create a thread on a hierarchy and print its id')
  .argument('<hierarchy>', 'hierarchy id or name')
  .option('--metadata <key=value>', 'a label (repeatable)', metadataPair)
  .action(async (hierarchy: string, opts: { metadata?: Record<string, string> }, cmd: Command) => {
    process.exitCode = await threadCreateCommand(client(cmd), hierarchy, { json: globals(cmd).json, metadata: opts.metadata ?? {} });
  });
thread.command('delete')
  .description('delete a thread with its runs and their events (refused while a run of it is live)')
  .argument('<id>', 'thread id')
  .action(async (id: string, _opts: unknown, cmd: Command) => {
    process.exitCode = await threadDeleteCommand(client(cmd), id, { json: globals(cmd).json });
  });

pageOptions(program.command('hierarchies').description('list hierarchies'))
  .action(async (opts: { page: number; size: number }, cmd: Command) => {
    process.exitCode = await hierarchiesCommand(client(cmd), { ...opts, json: globals(cmd).json });
  });

pageOptions(program.command('models').description('list models'))
  .action(async (opts: { page: number; size: number }, cmd: Command) => {
    process.exitCode = await modelsCommand(client(cmd), { ...opts, json: globals(cmd).json });
  });

const agents = program.command('agents')
  .description('control one agent of a live run, by its agent id (events\' source.agent_id) or its name');
agents.command('cancel')
  .description("stop that agent's subtree (at once; --graceful: after its model turn in progress) and print its outcome; the rest of the run goes on")
  .argument('<run>', 'run id', positiveInt('run'))
  .argument('<agent>', 'agent id, or a worker name, team/worker, or "<team> supervisor"')
  .option('--graceful', 'let its model turn in progress finish first', false)
  .action(async (run: number, agent: string, opts: { graceful: boolean }, cmd: Command) => {
    process.exitCode = await agentCancelCommand(client(cmd), run, agent, { json: globals(cmd).json, graceful: opts.graceful });
  });
agents.command('steer')
  .description("give that agent a message for its next model turn (as a user message)")
  .argument('<run>', 'run id', positiveInt('run'))
  .argument('<agent>', 'agent id, or a worker name, team/worker, or "<team> supervisor"')
  .argument('<message>', 'the message')
  .action(async (run: number, agent: string, message: string, _opts: unknown, cmd: Command) => {
    process.exitCode = await agentSteerCommand(client(cmd), run, agent, message, { json: globals(cmd).json });
  });

program.command('respond')
  .description('answer a request of a run waiting for a human (cadre tail prints each with the command to answer it)')
  .argument('<run>', 'run id', positiveInt('run'))
  .argument('<request_id>', 'the request id (human.requested, runs/get pending_inputs)')
  .option('--approve', 'approve the tool call')
  .option('--deny', 'deny the tool call (the model is told a human denied it)')
  .option('--message <message>', 'with --approve or --deny: a message for the model')
  .option('--answer <text>', 'the answer to a question')
  .action(async (run: number, requestId: string, opts: { approve?: boolean; deny?: boolean; message?: string; answer?: string }, cmd: Command) => {
    process.exitCode = await respondCommand(client(cmd), run, requestId, { json: globals(cmd).json, ...opts });
  });

/** Loaded only by the keys commands: they open the database (MikroORM), which the HTTP commands never need. */
const keyCommands = () => import('./key-commands.ts');

const keys = program.command('keys')
  .description('manage API keys, directly in the database the server uses (DATABASE_URL or DB_*; no key needed)');
keys.command('create')
  .description('create a key for --tenant (required) and print it once')
  .option('--name <name>', 'a label to recognise the key by')
  .action(async (opts: { name?: string }, cmd: Command) => {
    const g = globals(cmd);
    process.exitCode = await (await keyCommands()).createKeyCommand({ json: g.json, ...(g.tenant && { tenant: g.tenant }), ...(opts.name && { name: opts.name }) });
  });
keys.command('list')
  .description('list keys (of --tenant when given), revoked ones included')
  .action(async (_opts: unknown, cmd: Command) => {
    const g = globals(cmd);
    process.exitCode = await (await keyCommands()).listKeysCommand({ json: g.json, ...(g.tenant && { tenant: g.tenant }) });
  });
keys.command('revoke')
  .description('revoke a key by its id: requests with it get 401 from then on')
  .argument('<id>', 'key id (from keys list)')
  .action(async (id: string, _opts: unknown, cmd: Command) => {
    process.exitCode = await (await keyCommands()).revokeKeyCommand(id, { json: globals(cmd).json });
  });

// Subcommands inherit exitOverride and the help hint only when set on each.
for (const cmd of [...program.commands, ...keys.commands, ...agents.commands, ...thread.commands]) cmd.exitOverride().showHelpAfterError();

// A reader that left (`cadre tail 1 --json | head`) is not an error of the CLI: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? EXIT.ok);
  });
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version are "errors" with exit code 0; anything else is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof CliError) {
    process.stderr.write(`cadre: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`cadre: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = EXIT.runFailed;
  }
}
