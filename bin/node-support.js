// Which Node versions Cadre supports, in one place: package.json's engines.node, the range every
// dependency's engines accept (so `npm install` and `npx cadre` print no EBADENGINE warning there;
// test/cli-node-support.test.ts checks it against package-lock.json). Plain JavaScript, like
// bin/cadre.js, which asks it whether to run the CLI in its own process.
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** package.json's engines.node, e.g. `^22.20.0 || ^24.12.0 || >=26.0.0`. */
export const SUPPORTED_NODE = packageJson.engines.node;

/** `v24.12.1` → [24, 12, 1]. */
function parts(version) {
  return version.replace(/^v/, '').split('.').map(Number);
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** One comparator of an npm engines range: `*`, `20`, `6.x`, `^22.20`, `>=22.17.0`, `<13`. */
function accepts(comparator, version) {
  const match = /^(\^|>=|<=|>|<|=)?v?(\*|\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
  if (!match) throw new Error(`engines: cannot read the range "${comparator}"`);
  const [, op = '', major, minor, patch] = match;
  if (major === '*') return true;
  const wild = (p) => p === undefined || p === 'x' || p === '*';
  const bound = [Number(major), wild(minor) ? 0 : Number(minor), wild(patch) ? 0 : Number(patch)];
  const c = compare(version, bound);
  if (op === '>=') return c >= 0;
  if (op === '>') return c > 0;
  if (op === '<') return c < 0;
  if (op === '<=') return c <= 0;
  if (op === '^') return version[0] === bound[0] && c >= 0;
  // A bare version is every version it leaves open: `20` is 20.x.x, `22.12` is 22.12.x.
  if (wild(minor)) return version[0] === bound[0];
  if (wild(patch)) return version[0] === bound[0] && version[1] === bound[1];
  return c === 0;
}

/** Whether `version` (e.g. process.version) is in an npm engines `range` (`a b` both, `a || b` either). */
export function satisfies(version, range) {
  const v = parts(version);
  return range.split('||').some((alternative) => alternative.trim().replace(/(>=|<=|>|<|\^|=)\s+/g, '$1').split(/\s+/).every((c) => accepts(c, v)));
}

/**
 * Whether the CLI runs in this very process: a supported Node that strips types and is the line
 * the code is written for (24 or later). Any other (Node 22 among the supported, or one npm warned
 * about) runs it on the Node 24 the project ships as its `node` devDependency.
 */
export function runsInProcess(version) {
  return parts(version)[0] >= 24 && satisfies(version, SUPPORTED_NODE);
}
