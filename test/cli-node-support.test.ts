import test from 'ava';
import { readFile } from 'node:fs/promises';
import { runsInProcess, satisfies, SUPPORTED_NODE } from '../bin/node-support.js';

/**
 * package.json's engines, the bin shim and the dependencies agree on which Node versions work:
 * engines is exactly the range every locked package's engines accept (so `npm install` and
 * `npx cadre` warn on none of them), and the shim runs the CLI itself on the supported Node 24+.
 */
const lock = JSON.parse(await readFile(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
const ranges = Object.entries(lock.packages).filter(([name, p]) => name !== '' && p.engines?.node).map(([name, p]) => [name, p.engines!.node!] as const);
const refusing = (version: string) => ranges.filter(([, range]) => !satisfies(version, range)).map(([name, range]) => `${name} ${range}`);

test('engines is what package.json and the lockfile say', (t) => {
  t.is(SUPPORTED_NODE, pkg.engines.node);
  t.is(lock.packages['']!.engines!.node, pkg.engines.node);
  t.true(ranges.length > 50);
});

test('every supported Node satisfies every dependency; just below each supported range, one does not', (t) => {
  for (const version of ['22.20.0', '22.22.1', '24.12.0', '24.21.0', '26.0.0', '27.3.1', `v${pkg.devDependencies.node}`]) {
    t.true(satisfies(version, SUPPORTED_NODE), version);
    t.deepEqual(refusing(version), [], version);
  }
  for (const version of ['20.20.2', '22.19.0', '23.11.0', '24.11.1', '25.2.0']) {
    t.false(satisfies(version, SUPPORTED_NODE), version);
    t.true(refusing(version).length > 0, `${version}: some dependency refuses it, so engines may not admit it`);
  }
});

test('the shim runs the CLI itself on a supported Node 24 or later, on the shipped Node 24 otherwise', (t) => {
  t.true(runsInProcess('v24.21.0'));
  t.true(runsInProcess('v26.1.0'));
  t.true(runsInProcess(process.version), 'the Node the tests run on (the shipped one)');
  for (const version of ['v22.20.0', 'v20.20.2', 'v24.11.1', 'v25.2.0']) t.false(runsInProcess(version), version);
});

test('the range reader knows the forms npm packages use', (t) => {
  t.true(satisfies('20.1.0', '18 || 20 || >=22'));
  t.false(satisfies('21.0.0', '18 || 20 || >=22'));
  t.true(satisfies('14.18.0', '>=16 || 14 >=14.17'));
  t.false(satisfies('14.16.0', '>=16 || 14 >=14.17'));
  t.true(satisfies('12.14.0', '>=10.18.0 <11 || >=12.14.0 <13 || >=14'));
  t.false(satisfies('11.0.0', '>=10.18.0 <11 || >=12.14.0 <13 || >=14'));
  t.true(satisfies('8.1.0', '6.* || 8.* || >= 10.*'));
  t.true(satisfies('0.10.3', '>=0.6.x'));
  t.true(satisfies('1.0.0', '*'));
  t.throws(() => satisfies('1.0.0', '~1.2'), { message: /cannot read the range "~1.2"/ });
});
