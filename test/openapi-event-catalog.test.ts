import test from 'ava';
import { readFile } from 'node:fs/promises';
import { eventCatalog } from '../src/http/event-catalog.ts';
import { EVENT_DATA } from '../src/http/event-schemas.ts';

/** docs/events.md is generated from EVENT_DATA: a new or changed event type needs `npm run docs:events`. */
const committed = await readFile(new URL('../docs/events.md', import.meta.url), 'utf8');

test('docs/events.md is the catalog EVENT_DATA makes now (else: npm run docs:events)', (t) => {
  t.is(committed, eventCatalog(), 'docs/events.md is out of date: run `npm run docs:events` and commit it');
});

test('the catalog has a section per event type with its description and a row per data field', (t) => {
  const types = Object.keys(EVENT_DATA);
  t.true(types.length >= 22);
  for (const type of types) {
    const section = committed.split(`### \`${type}\`\n`)[1]?.split('\n### ')[0];
    t.truthy(section, type);
    t.true(section!.includes(EVENT_DATA[type]!.description), type);
  }
  t.regex(committed, /\| `outcome` \| \[AgentOutcome\]\(#agentoutcome\) \| yes \|/);
  t.regex(committed, /^### AgentOutcome$/m);
  t.regex(committed, /\| `sequence` \| number \| yes \| 1, 2, 3…/);
});
