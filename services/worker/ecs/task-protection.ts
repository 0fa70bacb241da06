/**
 * ECS task scale-in protection through the ECS agent's endpoint
 * (`PUT $ECS_AGENT_URI/task-protection/v1/state`, body `{ProtectionEnabled, ExpiresInMinutes}`).
 * A protected task is not chosen by service auto scaling's scale-in nor stopped by a deployment
 * until protection is dropped or expires, so calls in progress are not cut. Locally there is
 * no agent and the client does nothing.
 */
import { StrowgerError } from '../../../shared/errors.ts';
import type { FetchLike } from './task-metadata.ts';

export interface TaskProtectionClient {
  /** Turns protection on for `expiresInMinutes` (1..2880), or off. Rejects on any failure. */
  set(enabled: boolean, expiresInMinutes?: number): Promise<void>;
}

export const noTaskProtection: TaskProtectionClient = { set: async () => {} };

/** The agent answers 200 with `{protection: {...}}`, or `{failure: {...}}` / `{error: {...}}`. */
export function ecsAgentTaskProtection(agentUri: string, fetchFn: FetchLike = fetch, timeoutMs = 3000): TaskProtectionClient {
  return {
    async set(enabled, expiresInMinutes) {
      if (expiresInMinutes !== undefined && !(Number.isInteger(expiresInMinutes) && expiresInMinutes >= 1 && expiresInMinutes <= 2880)) {
        throw new StrowgerError('STROWGER_ERR_CONFIG', `task protection lasts 1 to 2880 minutes, not ${expiresInMinutes}`);
      }
      const body = JSON.stringify(enabled && expiresInMinutes !== undefined ? { ProtectionEnabled: true, ExpiresInMinutes: expiresInMinutes } : { ProtectionEnabled: enabled });
      const response = await fetchFn(`${agentUri}/task-protection/v1/state`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let answer: { protection?: unknown; failure?: { Reason?: string }; error?: { Code?: string; Message?: string } } = {};
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        // Not JSON: reported below with the status.
      }
      if (response.ok && answer.protection !== undefined) return;
      const reason = answer.error?.Message ?? answer.error?.Code ?? answer.failure?.Reason ?? (text.slice(0, 200) || `status ${response.status}`);
      throw new Error(`task protection ${enabled ? 'on' : 'off'} refused: ${reason}`);
    },
  };
}
