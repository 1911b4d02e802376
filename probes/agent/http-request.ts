/**
 * The HTTP/1.1 request the `http` technique writes: method, path, Host, a fixed
 * user-agent, `connection: close`, the spec's extra headers, never credentials.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { HttpRequest } from '../protocol.js';

/** Request headers the agent refuses to send (no credentials, ever). */
export const FORBIDDEN_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
]);

/** RFC 9110 token: header names and methods. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An unguessable path no real route serves, so a 200 means "the app answered anything". */
export function randomProbePath(): string {
  return `/__meshprobe_${randomBytes(16).toString('hex')}`;
}

/** The Host header value for `host:port` (port omitted when it is the scheme default). */
export function hostHeader(host: string, port: number, secure: boolean): string {
  const name = isIP(host) === 6 ? `[${host}]` : host;
  return port === (secure ? 443 : 80) ? name : `${name}:${port}`;
}

/**
 * The request text. An empty `req.path` means "a random probe path". Extra headers
 * replace the defaults of the same name; forbidden ones are dropped (the spec check
 * reports them first, this is the last line of defence).
 */
export function httpRequestText(req: HttpRequest, host: string, port: number, secure: boolean): string {
  const method = req.method === '' ? 'GET' : req.method.toUpperCase();
  const path = req.path === '' ? randomProbePath() : req.path;
  const headers = new Map<string, [string, string]>([
    ['host', ['Host', hostHeader(host, port, secure)]],
    ['user-agent', ['User-Agent', 'meshprobe']],
    ['accept', ['Accept', '*/*']],
  ]);
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (!FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase())) headers.set(name.toLowerCase(), [name, value]);
  }
  // Always last and never overridable: one request per connection, then the server closes.
  headers.set('connection', ['Connection', 'close']);
  const lines = [...headers.values()].map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
