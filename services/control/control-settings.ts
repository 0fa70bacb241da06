/**
 * The operator's settings for the API, read once at start (the Lambda's cold start, `npm
 * start`) from the environment; a bad value fails the start with a message naming it.
 *   STROWGER_MAX_KEYS_PER_TENANT    active API keys a tenant may hold (default 20, at most 1000)
 *   STROWGER_ALLOWED_PEER_NETWORKS  comma-separated CIDRs static peer hosts may be in although
 *                                   they are internal (default none; shared/model/peer-address-policy.ts)
 */
import { StrowgerError } from '../../shared/errors.ts';
import { ALLOWED_PEER_NETWORKS_ENV, parseAllowedNetworks, type AllowedNetworks } from '../../shared/model/peer-address-policy.ts';
import { MAX_API_KEYS } from '../../shared/model/tenant.ts';

export interface ControlSettings {
  maxKeysPerTenant: number;
  allowedPeerNetworks: AllowedNetworks;
}

export const DEFAULT_CONTROL_SETTINGS: ControlSettings = { maxKeysPerTenant: 20, allowedPeerNetworks: [] };

const MAX_KEYS_ENV = 'STROWGER_MAX_KEYS_PER_TENANT';

export function controlSettingsFromEnv(env: Record<string, string | undefined>): ControlSettings {
  const keysText = env[MAX_KEYS_ENV];
  let maxKeysPerTenant = DEFAULT_CONTROL_SETTINGS.maxKeysPerTenant;
  if (keysText !== undefined && keysText !== '') {
    maxKeysPerTenant = /^\d{1,4}$/.test(keysText) ? Number(keysText) : NaN;
    if (!(maxKeysPerTenant >= 1 && maxKeysPerTenant <= MAX_API_KEYS)) {
      throw new StrowgerError('STROWGER_ERR_CONFIG', `${MAX_KEYS_ENV}="${keysText}" is not a whole number from 1 to ${MAX_API_KEYS}`);
    }
  }
  return { maxKeysPerTenant, allowedPeerNetworks: parseAllowedNetworks(ALLOWED_PEER_NETWORKS_ENV, env[ALLOWED_PEER_NETWORKS_ENV]) };
}
