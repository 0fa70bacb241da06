/**
 * ECS task metadata (endpoint v4): the ECS agent puts ECS_CONTAINER_METADATA_URI_V4 into every
 * container; `GET $URI/task` answers the task's ARN, cluster, zone and each container's
 * networks. The worker takes its id (the task id: unique, and what the ECS console shows)
 * and its private address (awsvpc: the task's ENI) from it, so the stack sets neither.
 */
import { z } from 'zod';
import { StrowgerError } from '../../../shared/errors.ts';

export interface TaskMetadata {
  taskArn: string;
  /** The last part of the ARN: `arn:aws:ecs:region:acct:task/cluster/<id>`. */
  taskId: string;
  cluster: string;
  availabilityZone: string | undefined;
  /** The first IPv4 address of the task's network (awsvpc), if it has one yet. */
  privateAddress: string | undefined;
}

const TaskAnswer = z.object({
  TaskARN: z.string().regex(/^arn:[^:]+:ecs:[^:]*:[^:]*:task\/.+/),
  Cluster: z.string(),
  AvailabilityZone: z.string().optional(),
  Containers: z.array(z.object({
    Networks: z.array(z.object({ IPv4Addresses: z.array(z.string()).optional() })).optional(),
  })).default([]),
});

export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

export async function readTaskMetadata(metadataUri: string, fetchFn: FetchLike = fetch, timeoutMs = 2000): Promise<TaskMetadata> {
  let answer: unknown;
  try {
    const response = await fetchFn(`${metadataUri}/task`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    answer = await response.json();
  } catch (error) {
    throw new StrowgerError('STROWGER_ERR_CONFIG', `ECS task metadata (${metadataUri}/task) could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = TaskAnswer.safeParse(answer);
  if (!parsed.success) throw new StrowgerError('STROWGER_ERR_CONFIG', `ECS task metadata is not what the v4 endpoint answers: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  const task = parsed.data;
  const privateAddress = task.Containers.flatMap((c) => c.Networks ?? []).flatMap((n) => n.IPv4Addresses ?? [])[0];
  return {
    taskArn: task.TaskARN,
    taskId: task.TaskARN.slice(task.TaskARN.lastIndexOf('/') + 1),
    cluster: task.Cluster,
    availabilityZone: task.AvailabilityZone,
    privateAddress,
  };
}
