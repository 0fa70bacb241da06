/**
 * What the deployment's mesh secret is used for, each through its own key derived from it
 * (so no one use of the secret can be turned against another): the call tokens a worker mints
 * for its mesh calls, and the MD5 secret the mesh legs authenticate with.
 */
import { createHmac } from 'node:crypto';
import { StrowgerError } from '../../../shared/errors.ts';

/** Shorter than this, a mesh secret is refused: it is all that stands between the mesh port and a free call. */
export const MIN_MESH_SECRET_LENGTH = 16;

export interface MeshKeys {
  /** Keys the HMAC in mesh call tokens. */
  readonly tokenKey: Buffer;
  /** The secret the mesh user authenticates with (MD5 challenge, protocol.md §8.3). */
  readonly authSecret: string;
}

export function meshKeys(secret: string): MeshKeys {
  if (secret.length < MIN_MESH_SECRET_LENGTH) {
    throw new StrowgerError('STROWGER_ERR_CONFIG', `the mesh secret must be at least ${MIN_MESH_SECRET_LENGTH} characters`);
  }
  const derive = (use: string): Buffer => createHmac('sha256', secret).update(`strowger-mesh:${use}`).digest();
  return { tokenKey: derive('call-token'), authSecret: derive('auth').toString('hex') };
}
