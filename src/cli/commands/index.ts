import type { CliCommand } from '../command.js';
import { tlsCommand } from './tls.js';

/** Every subcommand that really works. Add one line per command (keep sorted by name). */
export const COMMANDS: readonly CliCommand[] = [
  tlsCommand,
];
