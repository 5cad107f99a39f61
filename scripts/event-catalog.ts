// Prints docs/events.md (the catalog of run events) from the event schemas: `npm run docs:events`.
import { eventCatalog } from '../src/http/event-catalog.ts';

process.stdout.write(eventCatalog());
