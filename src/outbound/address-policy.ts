import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a connection a tenant can steer (a model's base_url, an MCP server's url, the
 * http_request tool) may reach. Tenant data must not become a way into the machine or its
 * network (SSRF): loopback, private, link-local, CGNAT, multicast,
 * unspecified and reserved ranges are refused, and so are cloud metadata endpoints by name
 * and by address. IPv4 embedded in IPv6 (mapped, NAT64) is judged as the IPv4 it carries.
 */
const blocked = new BlockList();
const v4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved/broadcast'],
];
const v6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local (private; fd00:ec2::254 is cloud metadata)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated private)'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  // These carry an IPv4 address a gateway may deliver to (a private or metadata one included).
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['2002::', 16, '6to4'],
  ['2001::', 32, 'Teredo'],
];
for (const [net, prefix] of v4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of v6) blocked.addSubnet(net, prefix, 'ipv6');

/** Host names of cloud metadata services, refused before any lookup. */
export const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Why an address may not be reached, or null when it may. */
export function refusalOf(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    if (blocked.check(address, 'ipv4')) return `${address} is a ${rangeName(address, 4)} address`;
    return null;
  }
  if (family !== 6) return `${address} is not an IP address`;
  const embedded = embeddedIPv4(address);
  if (embedded !== null) {
    const inner = refusalOf(embedded);
    return inner === null ? null : `${address} carries ${inner}`;
  }
  if (blocked.check(address, 'ipv6')) return `${address} is a ${rangeName(address, 6)} address`;
  return null;
}

function rangeName(address: string, family: 4 | 6): string {
  for (const [net, prefix, name] of family === 4 ? v4 : v6) {
    const one = new BlockList();
    one.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
    if (one.check(address, family === 4 ? 'ipv4' : 'ipv6')) return name;
  }
  return 'disallowed';
}

/** The IPv4 inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) address. */
export function embeddedIPv4(address: string): string | null {
  const words = expandIPv6(address);
  if (words === null) return null;
  const high = words.slice(0, 6).map((w) => w.toString(16)).join(':');
  const mapped = high === '0:0:0:0:0:ffff' || high === '64:ff9b:0:0:0:0' || high === '0:0:0:0:0:0';
  // ::/128 and ::1 are judged as IPv6 (unspecified, loopback), not as 0.0.0.0/0.0.0.1.
  if (!mapped || (high === '0:0:0:0:0:0' && words[6] === 0 && words[7]! <= 1)) return null;
  return [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff].join('.');
}

/** The eight 16-bit words of an IPv6 address (a trailing dotted IPv4 included), or null. */
function expandIPv6(address: string): number[] | null {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...new Array<number>(Math.max(fill, 0)).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

/** A host name that names a metadata service (refused unless explicitly allowed). */
export function isMetadataHost(hostname: string): boolean {
  return METADATA_HOSTS.has(hostname.toLowerCase().replace(/\.$/, ''));
}
