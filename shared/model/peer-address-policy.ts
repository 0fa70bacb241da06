/**
 * Where the platform may send calls: a static peer's `host=` (and `defaultip=`) must not point
 * the workers at themselves, their VPC or the cloud's metadata service. Loopback, link-local
 * (169.254.169.254, fd00:ec2::254), private (RFC 1918, ULA), unspecified, multicast,
 * broadcast and the other special-purpose ranges are refused, unless the operator allows a
 * range (STROWGER_ALLOWED_PEER_NETWORKS, comma-separated CIDRs; empty by default). An IPv6
 * address that carries an IPv4 one (mapped, NAT64, 6to4) is judged by the IPv4 address too.
 *
 * A host NAME cannot be judged when it is provisioned (it can resolve elsewhere later): the
 * switch checks the address it resolved to at call time (services/worker/switch/destination.ts).
 */
import { StrowgerError } from '../errors.ts';
import { embeddedIpv4, formatIp, inRange, parseCidr, parseIp, type IpAddress, type IpRange } from './ip-range.ts';

export type AllowedNetworks = readonly IpRange[];

/** The operator's setting; every environment variable holding one is read with this. */
export const ALLOWED_PEER_NETWORKS_ENV = 'STROWGER_ALLOWED_PEER_NETWORKS';

const ranges = (what: string, ...cidrs: string[]): Array<{ range: IpRange; what: string }> =>
  cidrs.map((cidr) => ({ range: parseCidr(cidr) as IpRange, what }));

/** First match wins: the narrower ranges come first. */
const REFUSED = [
  ...ranges('the broadcast address', '255.255.255.255/32'),
  ...ranges('an unspecified address', '0.0.0.0/8', '::/128'),
  ...ranges('a loopback address', '127.0.0.0/8', '::1/128'),
  ...ranges('a link-local address (the cloud metadata service lives there)', '169.254.0.0/16', 'fe80::/10'),
  ...ranges('a private address', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'),
  ...ranges('a unique local (private) address (fd00:ec2::254 is the EC2 metadata service)', 'fc00::/7'),
  ...ranges('a shared (carrier-grade NAT) address', '100.64.0.0/10'),
  ...ranges('a multicast address', '224.0.0.0/4', 'ff00::/8'),
  ...ranges('a special-purpose address', '192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4', '::/96', '100::/64', 'fec0::/10'),
];

/** Why the platform will not call `address`, or undefined when it may. */
export function refusedAddress(address: IpAddress, allowed: AllowedNetworks): string | undefined {
  const inner = embeddedIpv4(address);
  if (allowed.some((range) => inRange(address, range) || (inner !== undefined && inRange(inner, range)))) return undefined;
  const own = REFUSED.find(({ range }) => inRange(address, range));
  if (own !== undefined) return `${formatIp(address)} is ${own.what}`;
  if (inner === undefined) return undefined;
  const carried = REFUSED.find(({ range }) => inRange(inner, range));
  return carried === undefined ? undefined : `${formatIp(address)} carries ${formatIp(inner)}, ${carried.what}`;
}

/** Numbers that resolvers read as IPv4 (`2130706433`, `127.1`, `0x7f.0.0.1`): not names. */
const NUMERIC_NAME = /^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+))*\.?$/i;

/**
 * Why a peer's `host=` value is refused, or undefined. `dynamic` and host names pass (the
 * switch checks what a name resolves to when it calls), except names that are loopback by
 * definition (`localhost`, RFC 6761) or are numbers a resolver would read as an address.
 */
export function refusedPeerHost(host: string, allowed: AllowedNetworks): string | undefined {
  if (host === 'dynamic') return undefined;
  const address = parseIp(host);
  if (address !== undefined) {
    const why = refusedAddress(address, allowed);
    return why === undefined ? undefined : `${why}: the platform does not call internal addresses (the operator can allow a range)`;
  }
  if (NUMERIC_NAME.test(host) || /\.\d+\.?$/.test(host)) return `"${host}" is neither an IP address in standard form nor a host name`;
  if (/^localhost\.?$|\.localhost\.?$/i.test(host)) return `${host} is a loopback name: the platform does not call internal addresses`;
  return undefined;
}

/** `10.1.0.0/16, fd12::/16`: a setting's value as ranges; a bad entry fails the start, naming the setting. */
export function parseAllowedNetworks(setting: string, text: string | undefined): AllowedNetworks {
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return entries.map((entry) => {
    const range = parseCidr(entry);
    if (range === undefined) throw new StrowgerError('STROWGER_ERR_CONFIG', `${setting}: "${entry}" is not an address or address/bits`);
    return range;
  });
}
