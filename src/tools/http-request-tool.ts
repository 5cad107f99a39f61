import { z } from 'zod';
import { OutboundRefusedError, ToolError } from '../errors/app-error.ts';
import { guardedFetch, type GuardedFetch } from '../outbound/guarded-fetch.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { HttpToolSettings } from './tool-settings.ts';
import type { WorkerTool } from './worker-tool.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** Set by the connection itself; a model may not choose them. */
const RESERVED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'keep-alive', 'te', 'trailer', 'proxy-authorization', 'proxy-connection']);
/** Credentials go to the origin they were given for, never on to another one a redirect names. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie']);

const inputSchema = z.object({
  method: z.string().transform((m) => m.toUpperCase()).pipe(z.enum(METHODS)),
  url: z.string().max(8192),
  headers: z.record(z.string().max(256), z.string().max(8192)).optional(),
  body: z.string().max(1024 * 1024).optional(),
}).strict();

type Input = z.infer<typeof inputSchema>;

function parseInput(raw: unknown): Input & { target: URL } {
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ToolError(`invalid input: ${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const target = parseUrl(parsed.data.url);
  for (const name of Object.keys(parsed.data.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new ToolError(`invalid input: headers.${name}: set by the tool, not by the caller`);
  }
  return { ...parsed.data, target };
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new ToolError(`invalid URL "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ToolError(`refused: only http and https URLs (got ${url.protocol})`);
  if (url.username || url.password) throw new ToolError('refused: URLs with credentials');
  return url;
}

interface Exchange {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
  truncated: boolean;
}

/**
 * One request/response through the guarded fetch (the outbound policy checks the connection and
 * pins it to the checked address); redirects are answered, not followed, so the tool follows
 * them hop by hop. The body is read up to `maxBytes`: past it nothing more is read and the
 * connection is dropped.
 */
async function exchange(fetch: GuardedFetch, req: { method: string; url: URL; headers: Record<string, string>; body: string | undefined; maxBytes: number }, signal: AbortSignal): Promise<Exchange> {
  const response = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal });
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = req.maxBytes - size;
      if (value.length > room) {
        chunks.push(Buffer.from(value.subarray(0, room)));
        truncated = true;
        // The rest is not wanted; cancelling may itself fail on a connection already torn down.
        await reader.cancel().catch(() => undefined);
        break;
      }
      chunks.push(Buffer.from(value));
      size += value.length;
    }
  }
  return { status: response.status, statusText: response.statusText, headers: response.headers, body: Buffer.concat(chunks), truncated };
}

/** What the model reads: the status line, the content type, the body (and whether it was cut). */
function describe(response: Exchange, url: URL, maxBytes: number): string {
  const type = response.headers.get('content-type');
  const lines = [`HTTP ${response.status} ${response.statusText}`.trim(), `url: ${url.href}`];
  if (type) lines.push(`content-type: ${type}`);
  const text = response.body.toString('utf8');
  const note = response.truncated ? `\n[truncated: the body is longer than ${maxBytes} bytes; only the first ${maxBytes} are shown]` : '';
  return `${lines.join('\n')}\n\n${text}${note}`;
}

/**
 * `http_request`: one HTTP call for a worker. Every hop (the first and each redirect, followed
 * by hand up to a bound) goes through the guarded fetch: resolved and checked against the
 * outbound address policy, then connected to the checked address; the whole call shares one time budget; the body is read up to a size
 * limit. A non-2xx answer is a result like any other (the model reads its status); refusals,
 * timeouts and network failures are tool errors.
 */
export function httpRequestTool(settings: HttpToolSettings, outbound: OutboundPolicy): WorkerTool {
  const fetch = guardedFetch(outbound);
  return {
    name: 'http_request',
    description:
      `Makes an HTTP request to a public http(s) URL and returns the status, content type and body (at most ${settings.maxBytes} bytes, `
      + `${settings.timeoutMs} ms). Redirects are followed. Private, loopback and cloud-metadata addresses are refused.`,
    inputSchema: {
      type: 'object',
      properties: {
        method: { type: 'string', enum: [...METHODS] },
        url: { type: 'string', description: 'Absolute http or https URL' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: { type: 'string', description: 'Request body (e.g. JSON text); set content-type in headers' },
      },
      required: ['method', 'url'],
      additionalProperties: false,
    },
    // GET and HEAD are safe to repeat (RFC 9110 §9.2.2); a call whose input does not parse runs nothing.
    idempotent: (raw) => {
      const method = (raw as { method?: unknown } | null)?.method;
      return typeof method !== 'string' || ['GET', 'HEAD'].includes(method.toUpperCase());
    },
    async execute(raw, signal) {
      const input = parseInput(raw);
      const timeout = AbortSignal.timeout(settings.timeoutMs);
      const both = AbortSignal.any([signal, timeout]);
      let url = input.target;
      let method: string = input.method;
      let body = input.body;
      let headers = { ...input.headers };
      try {
        for (let hop = 0; ; hop++) {
          const response = await exchange(fetch, { method, url, headers, body, maxBytes: settings.maxBytes }, both);
          const location = response.headers.get('location');
          if (response.status < 300 || response.status > 399 || response.status === 304 || !location) {
            return describe(response, url, settings.maxBytes);
          }
          if (hop >= settings.maxRedirects) throw new ToolError(`too many redirects (more than ${settings.maxRedirects})`);
          const next = parseUrl(location, url);
          // As browsers do: 303 (and 301/302 after a POST) become a GET without a body.
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
            method = method === 'HEAD' ? 'HEAD' : 'GET';
            body = undefined;
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.toLowerCase().startsWith('content-')));
          }
          if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.has(k.toLowerCase())));
          url = next;
        }
      } catch (err) {
        // The run's own cancel propagates as the abort it is; the time budget is the tool's failure.
        if (signal.aborted) throw signal.reason;
        if (timeout.aborted) throw new ToolError(`timed out after ${settings.timeoutMs} ms (${url.href})`, 'TOOL_TIMEOUT');
        if (err instanceof ToolError) throw err;
        if (err instanceof OutboundRefusedError) throw new ToolError(err.message, 'TOOL_ADDRESS_REFUSED');
        // fetch says "fetch failed"; what failed is its cause (ECONNREFUSED, a reset, a bad certificate).
        const cause = (err as { cause?: unknown }).cause ?? err;
        const code = (cause as NodeJS.ErrnoException).code;
        const message = cause instanceof Error ? cause.message : String(cause);
        throw new ToolError(`request to ${url.href} failed: ${code && !message.includes(code) ? `${code} ` : ''}${message}`.trim());
      }
    },
  };
}
