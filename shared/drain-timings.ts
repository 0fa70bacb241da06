/**
 * How long a stopping worker has, in one place for the worker and the stacks that run it
 * (docs/architecture.md §6): Fargate sends SIGTERM and kills the task `stopTimeout` later (120 s
 * at most); the worker gives its calls a little less to finish, so it still exits cleanly; the
 * NLB keeps a deregistering target's flows for as long as the task may live.
 */
export const STOP_TIMEOUT_S = 120;
export const DRAIN_S = 110;
export const DEREGISTRATION_DELAY_S = STOP_TIMEOUT_S;
