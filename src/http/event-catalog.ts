import { z } from 'zod';
import { envelope, EVENT_DATA } from './event-schemas.ts';

/**
 * docs/events.md, made from EVENT_DATA (the schemas the OpenAPI document's RunEvent is built
 * from), so the catalog cannot drift from them: `npm run docs:events` writes it, and
 * test/openapi-event-catalog.test.ts fails while the committed file differs.
 */

type JsonSchema = {
  type?: string | string[]; enum?: unknown[]; const?: unknown; $ref?: string; description?: string;
  properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; anyOf?: JsonSchema[]; examples?: unknown[];
  additionalProperties?: unknown; $defs?: Record<string, JsonSchema>;
};

const toJson = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;

/** A table cell: pipes and line breaks would end it. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: JsonSchema): string {
  if (s.$ref) {
    const name = s.$ref.split('/').pop()!;
    return `[${name}](#${name.toLowerCase()})`;
  }
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return 'any';
  return types.map((t) => {
    if (t === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
    if (t === 'object' && s.properties) return `object (${Object.keys(s.properties).join(', ')})`;
    return t;
  }).join(' | ');
}

function describe(s: JsonSchema): string {
  const examples = s.examples?.length ? `e.g. ${s.examples.map((e) => `\`${JSON.stringify(e)}\``).join(', ')}` : '';
  return [s.description, examples].filter(Boolean).join('; ');
}

function fieldTable(schema: JsonSchema): string[] {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return ['No fields.'];
  const required = new Set(schema.required ?? []);
  return [
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...properties.map(([name, p]) => `| \`${name}\` | ${cell(typeOf(p))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(describe(p))} |`),
  ];
}

export function eventCatalog(): string {
  const shared = new Map<string, JsonSchema>();
  const envelopeSchema = toJson(z.object(envelope));
  // By category, in the order EVENT_DATA first names each (lifecycle first), each type in its order there.
  const byCategory = new Map<string, string[]>();
  for (const [type, { description, data }] of Object.entries(EVENT_DATA)) {
    const json = toJson(data);
    for (const [name, def] of Object.entries(json.$defs ?? {})) shared.set(name, def);
    const category = type.split('.')[0]!;
    if (!byCategory.has(category)) byCategory.set(category, [`## ${category}`, '']);
    byCategory.get(category)!.push(`### \`${type}\``, '', `${description}.`, '', ...fieldTable(json), '');
  }
  const sections = [...byCategory.values()].flat();
  for (const [name, def] of Object.entries(envelopeSchema.$defs ?? {})) shared.set(name, def);
  const types = [...shared.entries()].sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, def]) => [`### ${name}`, '', ...(def.description ? [`${def.description}.`, ''] : []), ...fieldTable(def), '']);
  return [
    '# Run events',
    '',
    '<!-- Generated from src/http/event-schemas.ts by `npm run docs:events`; test/openapi-event-catalog.test.ts fails when it is out of date. Do not edit by hand. -->',
    '',
    `Every event a run emits, as \`runs/stream\` sends it (SSE: \`id: <sequence>\`, \`event: <category>.<action>\`, \`data: <the event as JSON>\`) and \`runs/events\` lists it. ${Object.keys(EVENT_DATA).length} types; the OpenAPI document (\`/v3/api-docs\`) has the same schemas as \`components.schemas\` (RunEvent and one …Event per type).`,
    '',
    'Every event has the same envelope; its `data` depends on its type. `data` objects are open: a later version may add fields, so read the ones you know and ignore the rest.',
    '',
    '## Envelope',
    '',
    ...fieldTable({ ...envelopeSchema, properties: { ...envelopeSchema.properties, event: { type: 'object', description: '{category, action}: the type, as in the SSE `event:` line' }, data: { type: 'object', description: 'The fields of the type, below' } }, required: [...(envelopeSchema.required ?? []), 'event', 'data'] }),
    '',
    ...sections,
    '## Shared types',
    '',
    ...types,
  ].join('\n').replace(/\n+$/, '\n');
}
