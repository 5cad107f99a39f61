#!/usr/bin/env node
// The `cadre` command. Plain JavaScript on purpose: it starts under whatever `node` is first on
// the user's PATH (any version npm runs on) and runs the TypeScript CLI on a Node that strips
// types: this one when it is ≥ 24, else the Node 24 the project ships as its `node` devDependency.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);
let node = process.execPath;
if (major < 24) {
  const shipped = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(shipped)) {
    process.stderr.write(`cadre: needs Node 24 (this is ${process.version}); run \`npm install\` in ${root} to get the one the project ships\n`);
    process.exit(2);
  }
  node = shipped;
}

const child = spawn(node, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal (same process group); this process only waits
// for it, so the CLI decides what a Ctrl-C means. Signals sent to this process alone are passed on.
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
