import type { EventPage } from '../services/run-history.ts';

const COMMA = 0x2c;
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;

/**
 * runs/events' whole answer (envelope included) as bytes, each stored event's JSON encoded
 * straight into its place as `{"id":"<sequence>",…the event}`: no page-long string is built,
 * flattened and then encoded again on the socket (~1.5 ms of a 1,000-event page, measured).
 */
export function eventPageBytes(page: EventPage): Buffer {
  const head = `{"success":true,"message":"success","data":{"run_id":${page.run_id},"events":[`;
  const tail = `],"count":${page.count},"has_more":${page.has_more},"next_id":${JSON.stringify(page.next_id)}}}`;
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, page.events.length - 1);
  for (const e of page.events) {
    // The event's own `{` becomes the `,` after its id: a stored event is always a JSON object.
    if (e.json.charCodeAt(0) !== OPEN_BRACE) throw new Error(`stored event ${e.id} of run ${page.run_id} is not a JSON object`);
    size += '{"id":"'.length + e.id.length + 1 + Buffer.byteLength(e.json);
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.write(head, 0);
  page.events.forEach((e, i) => {
    if (i > 0) bytes[at++] = COMMA;
    at += bytes.write('{"id":"', at, 'latin1');
    // An id is a decimal sequence (ASCII).
    at += bytes.write(e.id, at, 'latin1');
    bytes[at++] = QUOTE;
    const brace = at;
    at += bytes.write(e.json, at);
    bytes[brace] = COMMA;
  });
  at += bytes.write(tail, at);
  if (at !== size) throw new Error(`runs/events page of run ${page.run_id}: ${at} bytes written of ${size}`);
  return bytes;
}
