/**
 * Structured logging, injected. Library code takes a Logger and never calls console; the
 * default is silent. Processes use jsonLogger, which writes one JSON object per line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
  /** A logger that adds `context` to every line. */
  child(context: LogContext): Logger;
}

const noop = (): void => {};

export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  service: string;
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => number;
}

export function jsonLogger(options: JsonLoggerOptions, base: LogContext = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel) => (message: string, context?: LogContext) => {
    if (ORDER[level] < threshold) return;
    const record = { level, message, service: options.service, timestamp: new Date(now()).toISOString(), ...base, ...context };
    write(`${JSON.stringify(record, errorReplacer)}\n`);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (context) => jsonLogger(options, { ...base, ...context }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
