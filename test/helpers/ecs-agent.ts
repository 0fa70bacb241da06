// A stand-in for what the ECS agent serves inside a Fargate task (AWS itself can't run here):
// the task metadata endpoint v4 (`$ECS_CONTAINER_METADATA_URI_V4/task`) and the task scale-in
// protection endpoint (`$ECS_AGENT_URI/task-protection/v1/state`), answering in the shapes
// AWS documents, and keeping every protection request so tests can assert the contract.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProtectionRequest {
  method: string;
  contentType: string | undefined;
  body: { ProtectionEnabled?: unknown; ExpiresInMinutes?: unknown };
}

export interface EcsAgent {
  metadataUri: string;
  agentUri: string;
  taskArn: string;
  protectionRequests: ProtectionRequest[];
  /** The next protection answers fail like an IAM denial would. */
  failNext: number;
  close(): Promise<void>;
}

export async function startEcsAgent(options: { taskId?: string; address?: string } = {}): Promise<EcsAgent> {
  const taskId = options.taskId ?? '3bd3c4d1a2f04c1e9a1f7d6e5c4b3a29';
  const taskArn = `arn:aws:ecs:eu-west-1:111122223333:task/strowger-workers/${taskId}`;
  const agent: EcsAgent = { metadataUri: '', agentUri: '', taskArn, protectionRequests: [], failNext: 0, close: async () => {} };
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const json = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.url === '/v4/container-1/task' && request.method === 'GET') {
        return json(200, {
          Cluster: 'arn:aws:ecs:eu-west-1:111122223333:cluster/strowger-workers',
          TaskARN: taskArn,
          Family: 'strowger-worker',
          Revision: '7',
          DesiredStatus: 'RUNNING',
          KnownStatus: 'RUNNING',
          AvailabilityZone: 'eu-west-1a',
          LaunchType: 'FARGATE',
          Containers: [{
            DockerId: `${taskId}-1`,
            Name: 'worker',
            Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: [options.address ?? '10.0.143.17'], AttachmentIndex: 0, IPv4SubnetCIDRBlock: '10.0.128.0/18' }],
          }],
        });
      }
      if (request.url === '/api/container-1/task-protection/v1/state' && request.method === 'PUT') {
        let body: ProtectionRequest['body'];
        try {
          body = JSON.parse(text) as ProtectionRequest['body'];
        } catch {
          return json(400, { error: { Code: 'InvalidParameterException', Message: 'request body is not JSON' } });
        }
        agent.protectionRequests.push({ method: request.method, contentType: request.headers['content-type'], body });
        if (agent.failNext > 0) {
          agent.failNext--;
          return json(400, { error: { Arn: taskArn, Code: 'AccessDeniedException', Message: 'User is not authorized to perform: ecs:UpdateTaskProtection' } });
        }
        if (typeof body.ProtectionEnabled !== 'boolean') return json(400, { error: { Code: 'InvalidParameterException', Message: 'ProtectionEnabled is required' } });
        return json(200, { protection: { ExpirationDate: body.ProtectionEnabled ? new Date(Date.now() + Number(body.ExpiresInMinutes ?? 120) * 60_000).toISOString() : null, ProtectionEnabled: body.ProtectionEnabled, TaskArn: taskArn } });
      }
      return json(404, { error: { Code: 'NotFound', Message: request.url } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent.metadataUri = `${base}/v4/container-1`;
  agent.agentUri = `${base}/api/container-1`;
  agent.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return agent;
}
