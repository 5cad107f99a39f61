import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ToolError } from '../errors/app-error.ts';
import { isAllowedHost, isMetadataHost, refusalOf } from './address-policy.ts';

export interface Exchange {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
}

export interface ExchangeRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  maxBytes: number;
  allowedHosts: readonly string[];
}

/**
 * The address to connect to for a URL, checked: the host is resolved once (every address it
 * has), refused if any of them may not be reached, and the connection then goes to that very
 * address, so a DNS answer that changes between check and connect (rebinding) changes nothing.
 * An allowed host skips the checks but is pinned the same way.
 */
export async function checkedAddress(url: URL, allowedHosts: readonly string[]): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = isAllowedHost(allowedHosts, url);
  if (!allowed && isMetadataHost(host)) throw new ToolError(`refused: ${host} is a cloud metadata service`, 'TOOL_ADDRESS_REFUSED');
  const literal = isIP(host);
  const addresses = literal !== 0
    ? [{ address: host, family: literal }]
    : await lookup(host, { all: true, verbatim: true }).catch((err: unknown) => {
      throw new ToolError(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    });
  if (addresses.length === 0) throw new ToolError(`cannot resolve ${host}: no address`);
  if (!allowed) {
    for (const { address } of addresses) {
      const refusal = refusalOf(address);
      if (refusal) {
        const what = literal ? host : `${host} resolves to ${address}`;
        throw new ToolError(`refused: ${what} (${refusal}); this tool reaches public addresses only`, 'TOOL_ADDRESS_REFUSED');
      }
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** One request/response over a connection to the checked address; the body is read up to `maxBytes`. */
export async function exchange(req: ExchangeRequest, signal: AbortSignal): Promise<Exchange> {
  const { url } = req;
  const pinned = await untilAborted(checkedAddress(url, req.allowedHosts), signal);
  // Node asks this instead of DNS, for host names (an IP literal needs no lookup at all).
  const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (err: null, all: Array<{ address: string; family: number }>) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const { promise, resolve, reject } = Promise.withResolvers<Exchange>();
  const outgoing = send(url, {
    method: req.method,
    headers: { ...req.headers, ...(body && { 'content-length': String(body.length) }) },
    lookup: pinnedLookup,
    signal,
    // A fresh connection per call: a pooled socket could be one made for another (unchecked) purpose.
    agent: false,
  }, (incoming) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const done = () => resolve({
      status: incoming.statusCode ?? 0, statusText: incoming.statusMessage ?? '', headers: incoming.headers,
      body: Buffer.concat(chunks), truncated,
    });
    incoming.on('data', (chunk: Buffer) => {
      if (truncated) return;
      const room = req.maxBytes - size;
      if (chunk.length > room) {
        // Past the limit nothing more is read: the connection is dropped and the model told so.
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        incoming.destroy();
        done();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    incoming.on('end', done);
    incoming.on('error', (err) => {
      // Once truncated, the answer is settled and the error is the teardown we caused ourselves.
      if (!truncated) reject(err);
    });
  });
  outgoing.on('error', reject);
  outgoing.end(body);
  return promise;
}

/** A lookup cannot be cancelled, but the call need not wait for it once its time is up or the run is gone. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  const { promise, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([work, promise]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    // An abandoned lookup's own failure has nobody left to tell.
    work.catch(() => undefined);
  }
}
