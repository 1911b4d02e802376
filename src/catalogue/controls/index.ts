/** Every control in the catalogue, one per file. */
import type { Control } from '../../domain/control.js';
import { req125 } from './req-1-2-5.js';
import { req126 } from './req-1-2-6.js';
import { req131 } from './req-1-3-1.js';
import { req132 } from './req-1-3-2.js';
import { req133 } from './req-1-3-3.js';
import { req141 } from './req-1-4-1.js';
import { req143 } from './req-1-4-3.js';
import { req1021 } from './req-10-2-1.js';
import { req1131 } from './req-11-3-1.js';
import { req1132 } from './req-11-3-2.js';
import { req1145 } from './req-11-4-5.js';
import { req1146 } from './req-11-4-6.js';
import { req224 } from './req-2-2-4.js';
import { req225 } from './req-2-2-5.js';
import { req227 } from './req-2-2-7.js';
import { req421 } from './req-4-2-1.js';
import { req4211 } from './req-4-2-1-1.js';
import { req4212 } from './req-4-2-1-2.js';
import { req721 } from './req-7-2-1.js';
import { req722 } from './req-7-2-2.js';
import { req831 } from './req-8-3-1.js';
import { reqA112 } from './req-a1-1-2.js';

/** All controls (unsorted; the catalogue index sorts them in requirement order). */
export const ALL_CONTROLS: readonly Control[] = [
  req125,
  req126,
  req131,
  req132,
  req133,
  req141,
  req143,
  req224,
  req225,
  req227,
  req421,
  req4211,
  req4212,
  req721,
  req722,
  req831,
  req1021,
  req1131,
  req1132,
  req1145,
  req1146,
  reqA112,
];
