import { BlockList, isIP } from 'node:net';
import { embeddedIPv4 } from './address-policy.ts';

/**
 * The operator's exceptions to the address policy (OUTBOUND_ALLOWED_HOSTS), parsed once:
 * - a host name, `name` or `name:port`, matches the URL's host as the URL parser normalised it
 *   (so `LOCALHOST` matches `localhost`); whatever it resolves to is then reached;
 * - an IP address or network, `10.0.0.5`, `10.0.0.5:8080`, `[fd00::1]:8080`, `10.0.0.0/8`,
 *   `fd00::/8`, matches the address actually connected to (an IP literal in the URL, or what a
 *   name resolved to), so `127.0.0.1` also opens `localhost` when it resolves there.
 * An entry without a port matches every port.
 */
export interface AllowList {
  names: ReadonlyArray<{ host: string; port: string | undefined }>;
  nets: ReadonlyArray<{ list: BlockList; port: string | undefined }>;
}

type Entry = { kind: 'name'; host: string; port: string | undefined } | { kind: 'net'; list: BlockList; port: string | undefined };

/** One entry, or why it is not one (for the configuration error naming the variable). */
export function parseAllowEntry(text: string): Entry | string {
  const entry = text.trim().toLowerCase();
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const family = isIP(cidr[1]!);
    const prefix = Number(cidr[2]);
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) return `"${text}" is not a network (a.b.c.d/n or v6::/n)`;
    const list = new BlockList();
    list.addSubnet(cidr[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'net', list, port: undefined };
  }
  // A bare IPv6 address has colons of its own: it takes no port unless bracketed.
  if (isIP(entry) === 6) return netOf(entry, undefined);
  const match = /^(\[[0-9a-f:.]+\]|[^\s:,[\]/]+)(?::(\d{1,5}))?$/.exec(entry);
  if (!match) return `"${text}" is not host, host:port, [v6]:port or a network like 10.0.0.0/8`;
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const port = match[2];
  if (port !== undefined && Number(port) > 65535) return `"${text}": port out of range`;
  if (isIP(host) !== 0) return netOf(host, port);
  if (match[1]!.startsWith('[')) return `"${text}": not an IPv6 address`;
  return { kind: 'name', host: host.replace(/\.$/, ''), port };
}

function netOf(address: string, port: string | undefined): Entry {
  const list = new BlockList();
  list.addAddress(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  return { kind: 'net', list, port };
}

export function parseAllowList(entries: readonly string[]): AllowList {
  const names: Array<{ host: string; port: string | undefined }> = [];
  const nets: Array<{ list: BlockList; port: string | undefined }> = [];
  for (const text of entries) {
    const entry = parseAllowEntry(text);
    // Settings are validated when loaded (config.ts); an entry reaching here unparsed is a bug.
    if (typeof entry === 'string') throw new Error(`allowed outbound host ${entry}`);
    if (entry.kind === 'name') names.push({ host: entry.host, port: entry.port });
    else nets.push({ list: entry.list, port: entry.port });
  }
  return { names, nets };
}

const portMatches = (entry: string | undefined, port: string) => entry === undefined || entry === port;

/** Whether this host name (as the URL parser normalised it, no brackets) on this port is allowed by name. */
export function allowsName(allow: AllowList, hostname: string, port: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allow.names.some((n) => n.host === host && portMatches(n.port, port));
}

/** Whether connecting to this address on this port is allowed (an IPv4-mapped/NAT64 IPv6 is also judged as its IPv4). */
export function allowsAddress(allow: AllowList, address: string, port: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const inner = family === 6 ? embeddedIPv4(address) : null;
  return allow.nets.some((n) => portMatches(n.port, port) && (
    n.list.check(address, family === 4 ? 'ipv4' : 'ipv6') || (inner !== null && n.list.check(inner, 'ipv4'))));
}
