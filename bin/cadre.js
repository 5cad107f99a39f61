#!/usr/bin/env node
// The `cadre` command. Plain JavaScript on purpose: it starts under whatever `node` is first on
// the user's PATH and runs the TypeScript CLI on a Node that strips types: this one, in this
// process, when it is a supported Node 24 or later (node-support.js: package.json's engines), else
// the Node 24 the project ships as its `node` devDependency, in a child process. (Under npx and
// npm scripts, npm puts node_modules/.bin first on PATH, so `node` is that shipped Node 24.)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runsInProcess } from './node-support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');

if (runsInProcess(process.version)) {
  // This Node strips types: run the CLI in this very process. A wrapper process in between would
  // have to choose between dropping a SIGINT sent to it alone (`kill -INT`, a process manager, a
  // test) and doubling the terminal's Ctrl-C (which reaches the whole process group), and the
  // CLI gives the first and the second Ctrl-C different meanings.
  await import(pathToFileURL(entry).href);
} else {
  runOnShippedNode();
}

function runOnShippedNode() {
  const node = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(node)) {
    process.stderr.write(`cadre: runs on Node 24 (this is ${process.version}); run \`npm install\` in ${root} to get the one the project ships\n`);
    process.exit(2);
  }
  const child = spawn(node, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal (same process group); this process only waits
  // for it, so the CLI decides what a Ctrl-C means (a SIGINT sent to this process alone is not
  // passed on: it cannot be told apart from the terminal's). Other signals are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`cadre: cannot start ${node}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
