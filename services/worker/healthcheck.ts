/**
 * The container's health check (Dockerfile HEALTHCHECK and the ECS task definition's): asks
 * the worker's own status port for /healthz and exits 0 on 200, 1 otherwise (draining
 * answers 503, so a stopping task reads unhealthy and ECS does not count on it).
 */
import { parseBind } from './bind-address.ts';

try {
  const bind = parseBind('STROWGER_HEALTH_BIND', process.env.STROWGER_HEALTH_BIND, '0.0.0.0:8081');
  const host = bind.address === '0.0.0.0' ? '127.0.0.1' : bind.address === '::' ? '[::1]' : bind.address.includes(':') ? `[${bind.address}]` : bind.address;
  const response = await fetch(`http://${host}:${bind.port}/healthz`, { signal: AbortSignal.timeout(2000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch (error) {
  process.stderr.write(`healthcheck: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
