// Where a command is on a PATH value: the first directory holding it as an executable file.
// The prerequisites check (test/setup/system-prerequisites.ts) and the tshark helper look
// commands up the same way.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `command` on `searchPath` (default: this process's PATH), or undefined. */
export function findOnPath(command: string, searchPath: string = process.env['PATH'] ?? ''): string | undefined {
  return searchPath
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, command))
    .find(isExecutableFile);
}
