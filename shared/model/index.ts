/** The platform's records, each with the zod schema that validates it. */
export { ActiveCall } from './active-call.ts';
export { AstdbEntry } from './astdb.ts';
export { Cdr, RrFigures, type CdrInput } from './cdr.ts';
export { describeIssues, PeerConfig, PeerFields, PeerName, type PeerConfigInput } from './peer.ts';
export { QualifyState, QualifyStatus, Registration } from './registration.ts';
export { DialTargetSchema, ExtensionPattern, RouteConfig } from './route.ts';
export { ApiKeyRecord, Tenant, TenantId, TenantLimits, type TenantInput } from './tenant.ts';
export { WorkerRecord } from './worker.ts';
