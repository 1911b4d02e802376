import type { CliCommand } from '../command.js';
import { cleanupCliCommand } from './cleanup.js';
import { controlsCommand } from './controls.js';
import { diffCommand } from './diff.js';
import { planCliCommand } from './plan.js';
import { rbacCliCommand } from './rbac.js';
import { runCliCommand } from './run.js';
import { scheduleCliCommand } from './schedule.js';
import { tlsCommand } from './tls.js';
import { uploadCliCommand } from './upload.js';
import { verifyCommand } from './verify.js';

/** Every subcommand that really works. Add one line per command (keep sorted by name). */
export const COMMANDS: readonly CliCommand[] = [
  cleanupCliCommand,
  controlsCommand,
  diffCommand,
  planCliCommand,
  rbacCliCommand,
  runCliCommand,
  scheduleCliCommand,
  tlsCommand,
  uploadCliCommand,
  verifyCommand,
];
