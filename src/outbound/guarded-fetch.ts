import { isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { OutboundRefusedError } from '../errors/app-error.ts';
import { checkedAddresses, portOf, type OutboundPolicy } from './outbound-policy.ts';

/** The `fetch` the AI SDK providers and the MCP SDK accept (the global one's signature). */
export type GuardedFetch = typeof globalThis.fetch;

const fetches = new WeakMap<OutboundPolicy, GuardedFetch>();

/** Failures to reach one address, after which the next checked address of the name is tried. */
const UNREACHABLE: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A `fetch` whose every connection obeys the outbound policy: an undici Agent whose connector
 * checks the host (an IP literal as it is; a name by resolving it and checking every address)
 * and then connects to the checked address itself — the socket is opened to that IP, the name
 * kept for TLS (SNI, certificate) and the Host header — so nothing resolves the name a second
 * time (no DNS rebinding window). Redirects fetch follows open connections through the same
 * connector, so every hop is checked like the first. A refusal makes no connection and rejects
 * with the OutboundRefusedError itself (not fetch's generic "fetch failed"), so callers show why.
 *
 * The check costs one resolution per new connection; the Agent keeps connections alive and
 * reuses them, and nothing is added per request body chunk or streamed token. The Agent is
 * this policy's alone (one per policy object, made at first use): no unchecked traffic shares
 * its pooled sockets.
 */
export function guardedFetch(policy: OutboundPolicy): GuardedFetch {
  const known = fetches.get(policy);
  if (known) return known;
  const connect = buildConnector({});
  const agent = new Agent({
    connect(options, callback) {
      const { hostname } = options;
      checkedAddresses(policy, hostname, portOf(options.protocol, options.port)).then(
        (addresses) => {
          const servername = options.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
          // The checked addresses in order, the next one tried when one cannot be reached (as
          // Node's own family fallback would: an IPv6 first answer on a host without IPv6).
          const attempt = (i: number) => connect({ ...options, hostname: addresses[i]!.address, ...(servername && { servername }) }, (...result) => {
            const [err] = result;
            if (err && i + 1 < addresses.length && UNREACHABLE.has((err as NodeJS.ErrnoException).code ?? '')) attempt(i + 1);
            else callback(...result);
          });
          attempt(0);
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
      );
    },
  });
  const guarded = (async (input: Parameters<GuardedFetch>[0], init?: RequestInit) => {
    try {
      return await undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher: agent });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefusedError) throw cause;
      throw err;
    }
  }) as unknown as GuardedFetch;
  fetches.set(policy, guarded);
  return guarded;
}
