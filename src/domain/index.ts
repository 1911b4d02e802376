/** The domain vocabulary (DESIGN §3): types and tiny constructors, no I/O. */
export * from './target.js';
export * from './vantage.js';
export * from './attempt.js';
export * from './observation.js';
export * from './outcome.js';
export * from './evidence.js';
export * from './certificate.js';
export * from './probe.js';
export * from './control.js';
export * from './verdict.js';
export * from './coverage.js';
export * from './inventory.js';
export * from './report.js';
