import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { OutboundRefusedError } from '../errors/app-error.ts';
import { isMetadataHost, refusalOf } from './address-policy.ts';
import { allowsAddress, allowsName, parseAllowList, type AllowList } from './allow-list.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Host name → every address it has (dns.lookup by default). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * The process's one outbound address policy: plain data, resolved from the environment once
 * (OUTBOUND_ALLOWED_HOSTS, with HTTP_TOOL_ALLOWED_HOSTS merged in). Every connection a tenant can
 * steer goes through it: model base_url, MCP servers, http_request (see guarded-fetch.ts).
 */
export interface OutboundPolicy {
  /** Exceptions to the address checks (see allow-list.ts for the forms). Empty: public addresses only. */
  allowedHosts: readonly string[];
  /** How names are resolved; the system resolver when absent (tests give names of their own). */
  resolve?: Resolver;
}

export const STRICT_OUTBOUND: OutboundPolicy = { allowedHosts: [] };

/** What a refusal says on: how an operator opens an address, never anything about the server. */
export const ALLOW_HINT = 'only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it';

const parsed = new WeakMap<OutboundPolicy, AllowList>();
function allowListOf(policy: OutboundPolicy): AllowList {
  let allow = parsed.get(policy);
  if (!allow) {
    allow = parseAllowList(policy.allowedHosts);
    parsed.set(policy, allow);
  }
  return allow;
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Why a URL a tenant registers (a model's base_url, an MCP server's url) can never be reached,
 * judged from the URL alone, or null: a scheme other than http(s), an IP literal in a refused
 * range, `localhost`, a cloud metadata name. A host name that resolves to such an address is
 * only known at connect time, and refused then (checkedAddresses).
 */
export function urlRefusal(policy: OutboundPolicy, text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs (got ${url.protocol})`;
  const allow = allowListOf(policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || defaultPort(url.protocol);
  if (allowsName(allow, host, port)) return null;
  if (isIP(host) !== 0) {
    const refusal = allowsAddress(allow, host, port) ? null : refusalOf(host);
    return refusal && `${refusal}; ${ALLOW_HINT}`;
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    if (allowsAddress(allow, '127.0.0.1', port) || allowsAddress(allow, '::1', port)) return null;
    return `${host} is the loopback interface; ${ALLOW_HINT}`;
  }
  if (isMetadataHost(name)) return `${host} is a cloud metadata service; ${ALLOW_HINT}`;
  return null;
}

/**
 * The addresses a connection to `hostname:port` may go to, every one checked: an IP literal is
 * judged as it is, a name is resolved once and refused if any address it has is refused. The
 * caller connects to one of these very addresses, so a DNS answer that changes between check and
 * connect (rebinding) changes nothing. A name the operator allowed is resolved and pinned the same
 * way, unchecked. Throws OutboundRefusedError naming the host and why.
 */
export async function checkedAddresses(policy: OutboundPolicy, hostname: string, port: string): Promise<ResolvedAddress[]> {
  const allow = allowListOf(policy);
  const host = hostname.replace(/^\[|\]$/g, '');
  const byName = allowsName(allow, host, port);
  const literal = isIP(host);
  if (literal !== 0) {
    const refusal = byName || allowsAddress(allow, host, port) ? null : refusalOf(host);
    if (refusal) throw new OutboundRefusedError(`refused: ${host} (${refusal}); ${ALLOW_HINT}`);
    return [{ address: host, family: literal }];
  }
  if (!byName && isMetadataHost(host)) throw new OutboundRefusedError(`refused: ${host} is a cloud metadata service; ${ALLOW_HINT}`);
  const addresses = await (policy.resolve ?? systemResolver)(host).catch((err: unknown) => {
    // Not a refusal: a failure to resolve (maybe passing) keeps its code, as any network error.
    const code = (err as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(`cannot resolve ${host}: ${code ?? String(err)}`, { cause: err }), code ? { code } : {});
  });
  if (addresses.length === 0) throw new Error(`cannot resolve ${host}: no address`);
  if (!byName) {
    for (const { address } of addresses) {
      const refusal = allowsAddress(allow, address, port) ? null : refusalOf(address);
      if (refusal) throw new OutboundRefusedError(`refused: ${host} resolves to ${address} (${refusal}); ${ALLOW_HINT}`);
    }
  }
  return addresses;
}

/** The port a connection to this URL-ish origin goes to. */
export function portOf(protocol: string, port: string | number | undefined): string {
  return port === undefined || port === '' ? defaultPort(protocol) : String(port);
}
