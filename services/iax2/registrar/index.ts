/** Registration both ways and qualify (protocol.md §9-10). */
export { QualifyMonitor, type QualifyChange, type QualifyOptions } from './qualify.ts';
export { RegistrationClient, type RegistrationClientOptions, type RegistryState } from './register-client.ts';
export { parseRegisterLine, type RegisterLine } from './register-line.ts';
export { EXPIRY_GRACE_S, Registrar, type RegistrarEvents, type RegistrarOptions } from './registrar.ts';
export {
  InMemoryRegistrationStore,
  type QualifyState,
  type QualifyStatus,
  type Registration,
  type RegistrationStore,
} from './registration-store.ts';
