import { decodeDatagram, dumpFrame, frameToJson } from '../../iax2/codec/index.ts';
import { isStrowgerError } from '../../../shared/errors.ts';
import { parseHexDatagram } from '../hex.ts';
import { ExitCode, type CliIo } from '../io.ts';

export const decodeUsage = `Usage: strowger decode [--json] <hex> ...
       strowger decode [--json] < datagrams.txt

Decodes IAX2 datagrams written as hex (spaces and colons allowed) and prints one line per
datagram, like Asterisk's "iax2 set debug". With no <hex> arguments, reads one datagram per
line from standard input. --json prints one JSON object per datagram instead.
A datagram that does not decode prints its error code and offset on stderr; the exit status
is then 1.`;

export async function decodeCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  let json = false;
  const datagrams: string[] = [];
  for (const arg of args) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      io.stdout.write(`${decodeUsage}\n`);
      return ExitCode.OK;
    } else if (arg.startsWith('--')) {
      // The name only: `--key=...` given before the command must not be echoed.
      io.stderr.write(`strowger decode: unknown option ${arg.split('=')[0]} (see strowger decode --help)\n`);
      return ExitCode.USAGE;
    } else datagrams.push(arg);
  }
  if (datagrams.length === 0) {
    if (io.stdin.isTTY === true) {
      io.stderr.write(`${decodeUsage}\n`);
      return ExitCode.USAGE;
    }
    datagrams.push(...(await readLines(io.stdin)));
  }

  let status: ExitCode = ExitCode.OK;
  for (const text of datagrams) {
    try {
      const frame = decodeDatagram(parseHexDatagram(text));
      io.stdout.write(`${json ? JSON.stringify(frameToJson(frame)) : dumpFrame(frame)}\n`);
    } catch (err) {
      if (!isStrowgerError(err)) throw err;
      io.stderr.write(`${err.code}: ${err.message}\n`);
      status = ExitCode.BAD_INPUT;
    }
  }
  return status;
}

async function readLines(stream: AsyncIterable<Buffer | string>): Promise<string[]> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}
