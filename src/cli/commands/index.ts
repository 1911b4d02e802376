import type { CliCommand } from '../command.js';
import { controlsCommand } from './controls.js';
import { diffCommand } from './diff.js';
import { tlsCommand } from './tls.js';
import { verifyCommand } from './verify.js';

/** Every subcommand that really works. Add one line per command (keep sorted by name). */
export const COMMANDS: readonly CliCommand[] = [
  controlsCommand,
  diffCommand,
  tlsCommand,
  verifyCommand,
];
