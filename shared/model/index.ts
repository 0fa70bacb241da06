/** The platform's records, each with the zod schema that validates it. */
export { ActiveCall } from './active-call.ts';
export { AstdbEntry } from './astdb.ts';
export { Cdr, RrFigures, type CdrInput } from './cdr.ts';
export { embeddedIpv4, inRange, parseCidr, parseIp, type IpAddress, type IpRange } from './ip-range.ts';
export { ContextName, KeyName, Secret } from './names.ts';
export { parseAllowedNetworks, refusedAddress, refusedPeerHost, type AllowedNetworks } from './peer-address-policy.ts';
export { describeIssues, PeerConfig, PeerFields, PeerName, type PeerConfigInput } from './peer.ts';
export { QualifyState, QualifyStatus, Registration } from './registration.ts';
export { DialString, DialTargetSchema, ExtensionPattern, RouteConfig } from './route.ts';
export { ApiKeyRecord, CallsPerSecond, MAX_API_KEYS, OPERATOR_KEY_OWNER, Tenant, TenantId, TenantLimitFields, TenantLimits, type TenantInput } from './tenant.ts';
export { WorkerRecord } from './worker.ts';
