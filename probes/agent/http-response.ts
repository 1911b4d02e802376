/**
 * Just enough HTTP/1.x response parsing for evidence: status, header pairs and the
 * first bytes of the body. Interim 1xx responses are skipped. Pure, over a Buffer.
 */

/** A parsed response head. `bodyStart` is the offset of the body in the buffer. */
export interface ResponseHead {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly bodyStart: number;
}

/** Parse result: still waiting, not HTTP at all, or a head. */
export type HeadParse =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'head'; readonly head: ResponseHead };

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? (\d{3})(?: [^\r\n]*)?$/;
const HEAD_END = Buffer.from('\r\n\r\n');
const PREFIX = 'HTTP/';

/** Parse the final (non-1xx) response head at the start of `buf`. */
export function parseResponseHead(buf: Buffer): HeadParse {
  let offset = 0;
  for (;;) {
    const parsed = parseOneHead(buf, offset);
    if (parsed.kind !== 'head') return parsed;
    const { status, bodyStart } = parsed.head;
    // 100 Continue, 103 Early Hints…: another head follows. 101 ends HTTP, keep it.
    if (status >= 200 || status === 101) return parsed;
    offset = bodyStart;
  }
}

function parseOneHead(buf: Buffer, offset: number): HeadParse {
  const start = buf.subarray(offset, offset + PREFIX.length).toString('latin1');
  if (!PREFIX.startsWith(start)) return { kind: 'invalid' };
  const end = buf.indexOf(HEAD_END, offset);
  if (end < 0) return { kind: 'incomplete' };
  const lines = buf.subarray(offset, end).toString('latin1').split('\r\n');
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (match === null) return { kind: 'invalid' };
  const headers: (readonly [string, string])[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { kind: 'head', head: { status: Number(match[1]), headers, bodyStart: end + HEAD_END.length } };
}

/** The value of the first header called `name` (lower case). */
function headerValue(head: ResponseHead, name: string): string | undefined {
  return head.headers.find(([n]) => n === name)?.[1];
}

/** The body's first bytes (de-chunked) and whether nothing more is needed to fill the prefix. */
export interface BodyPrefix {
  readonly body: Buffer;
  readonly complete: boolean;
}

/** Extract up to `limit` body bytes after `head`; `complete` once the prefix can grow no more. */
export function bodyPrefix(buf: Buffer, head: ResponseHead, method: string, limit = 512): BodyPrefix {
  const raw = buf.subarray(head.bodyStart);
  const noBody = method.toUpperCase() === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200;
  if (noBody) return { body: Buffer.alloc(0), complete: true };
  if (headerValue(head, 'transfer-encoding')?.toLowerCase().includes('chunked') === true) {
    return dechunk(raw, limit);
  }
  const length = Number(headerValue(head, 'content-length'));
  const body = raw.subarray(0, limit);
  if (Number.isInteger(length) && length >= 0) {
    return { body: body.subarray(0, length), complete: body.length >= Math.min(length, limit) };
  }
  // Close-delimited body: only the peer's close (or a full prefix) ends it.
  return { body, complete: body.length >= limit };
}

function dechunk(raw: Buffer, limit: number): BodyPrefix {
  const parts: Buffer[] = [];
  let size = 0;
  let pos = 0;
  while (size < limit) {
    const lineEnd = raw.indexOf('\r\n', pos);
    if (lineEnd < 0) return { body: Buffer.concat(parts), complete: false };
    // Hex digits only (RFC 9112 §7.1; extensions after ';'): a negative size from a hostile peer moved pos backwards and re-read bytes.
    const digits = /^[0-9a-fA-F]+/.exec(raw.subarray(pos, lineEnd).toString('latin1'))?.[0];
    const chunkSize = digits === undefined ? 0 : Number.parseInt(digits, 16);
    if (!Number.isSafeInteger(chunkSize) || chunkSize === 0) return { body: Buffer.concat(parts), complete: true };
    const data = raw.subarray(lineEnd + 2, lineEnd + 2 + chunkSize);
    const take = data.subarray(0, limit - size);
    parts.push(take);
    size += take.length;
    if (data.length < chunkSize) return { body: Buffer.concat(parts), complete: size >= limit };
    pos = lineEnd + 2 + chunkSize + 2;
  }
  return { body: Buffer.concat(parts), complete: true };
}
