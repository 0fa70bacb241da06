/** What a command may touch of its process, injected so tests can run commands in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** Exit statuses shared by every command, so scripts can branch on them. */
export const ExitCode = {
  OK: 0,
  /** The command ran, but some input was bad (an undecodable datagram) or the API refused it (4xx). */
  BAD_INPUT: 1,
  /** The command line itself was wrong. */
  USAGE: 2,
  /** The API could not be reached, or failed on its side (5xx): worth retrying. */
  UNAVAILABLE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
