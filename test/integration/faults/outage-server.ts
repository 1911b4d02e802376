/**
 * An API server stand-in on 127.0.0.1 that keeps objects and can be taken down and brought
 * back, the way a restarting kube-apiserver behaves: while down it refuses connections (the
 * port is closed), resets them after accept, or answers 503; when it is back it serves lists,
 * gets, creates and deletes of its objects again. The real client library talks to it, so the
 * retries under test meet real ECONNREFUSED, ECONNRESET and 503 answers.
 *
 * It serves what `meshprobe run` and `meshprobe cleanup` use: /version, core lists (with
 * equality label selectors) and objects, EndpointSlice and NetworkPolicy lists,
 * SelfSubjectAccessReviews (always allowed); every other API group is 404 (not installed).
 * Created pods never start: nothing runs, no traffic leaves the stand-in.
 */
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { writeFaultKubeconfig } from './fault-server.js';

/** How the stand-in is down. */
export type Outage = 'refuse' | 'reset' | '503';

/** A stored object (plain JSON as the API server sends it). */
export interface StoredObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly [k: string]: unknown;
  };
  readonly [k: string]: unknown;
}

/** An error answer a test puts in place of serving a request. */
export interface Intercepted {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

/** A running stand-in. */
export interface OutageServer {
  readonly url: string;
  readonly kubeconfig: string;
  /** "METHOD path" of every request answered while up. */
  readonly served: string[];
  /** When the first connection arrived (Date.now()), to time a CLI from its first call, not its start-up. */
  readonly firstContact: () => number | undefined;
  /** Requests that met the outage (refused connections are not seen, so not counted). */
  readonly metOutage: () => number;
  /** Objects now stored, by kind plural ("namespaces", "pods", ...). */
  objects(plural: string): StoredObject[];
  /** Go down now, for `ms` (then back by itself) or until {@link back}. */
  down(how: Outage, ms?: number): Promise<void>;
  /** Come back: serve again. */
  back(): Promise<void>;
  /** Go down when the next connection arrives (a CLI's first call, however slow its start-up), for `ms`. */
  downAtNextConnection(how: Outage, ms?: number): void;
  /**
   * Consulted before answering while up: an answer to send instead of serving the request (the
   * ServiceAccount admission race, a 429 from a restarting server). undefined = serve it.
   */
  intercept?: ((method: string, path: string) => Intercepted | undefined) | undefined;
  /** Called after each served request (tests start an outage at a chosen point). */
  onServed?: ((method: string, path: string) => void) | undefined;
  close(): Promise<void>;
}

const CORE = new Set(['namespaces', 'pods', 'services', 'configmaps', 'nodes']);
const PLURAL: Readonly<Record<string, string>> = {
  Namespace: 'namespaces',
  Pod: 'pods',
  Service: 'services',
  ConfigMap: 'configmaps',
  Node: 'nodes',
  EndpointSlice: 'endpointslices',
  NetworkPolicy: 'networkpolicies',
};
const LIST_KIND: Readonly<Record<string, string>> = {
  endpointslices: 'EndpointSliceList',
  networkpolicies: 'NetworkPolicyList',
};

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** Equality selectors only ("a=b,c=d"): what meshprobe sends. */
function matches(o: StoredObject, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return o.metadata.labels?.[k ?? ''] === v;
  });
}

/** Parse a path into what it names: [plural, namespace?, name?, sub?]. */
function route(path: string): { plural: string; ns?: string | undefined; name?: string; sub?: string } | undefined {
  const p = path.split('/').filter(Boolean);
  const core = p[0] === 'api' && p[1] === 'v1' ? p.slice(2) : undefined;
  const group = p[0] === 'apis' && p.length >= 4 ? p.slice(3) : undefined;
  const rest = core ?? group;
  if (rest === undefined || rest.length === 0) return undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const [, ns, plural, name, sub] = rest;
    return { plural: plural ?? '', ns, ...(name ? { name } : {}), ...(sub ? { sub } : {}) };
  }
  return { plural: rest[0] ?? '', ...(rest[1] ? { name: rest[1] } : {}) };
}

/** Start a stand-in serving `seed`. */
export async function startOutageServer(seed: readonly StoredObject[]): Promise<OutageServer> {
  const store: StoredObject[] = seed.map((o) => structuredClone(o));
  const served: string[] = [];
  let outage: Outage | undefined;
  let met = 0;
  let timer: NodeJS.Timeout | undefined;
  let uid = 0;
  let first: number | undefined;
  let armed: { readonly how: Outage; readonly ms: number | undefined } | undefined;
  const sockets = new Set<net.Socket>();

  const keyOf = (o: StoredObject) => `${PLURAL[o.kind] ?? o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const find = (plural: string, ns: string | undefined, name: string) =>
    store.findIndex((o) => keyOf(o) === `${plural}/${ns ?? ''}/${name}`);

  /** Answer one request from the store; true once answered (every path answers). */
  function answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, text: string, type = 'application/json'): true => {
      res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return true;
    };
    if (url.pathname === '/version')
      return send(200, JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.0' }));
    if (url.pathname.endsWith('/selfsubjectaccessreviews')) {
      const review = JSON.parse(body) as Record<string, unknown>;
      return send(201, JSON.stringify({ ...review, status: { allowed: true } }));
    }
    const r = route(url.pathname);
    const known = r !== undefined && (CORE.has(r.plural) || r.plural in LIST_KIND);
    if (r === undefined || !known)
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const method = req.method ?? 'GET';
    if (method === 'GET' && r.name === undefined) {
      const items = store.filter(
        (o) =>
          PLURAL[o.kind] === r.plural &&
          (r.ns === undefined || o.metadata.namespace === r.ns) &&
          matches(o, url.searchParams.get('labelSelector')),
      );
      const kind = LIST_KIND[r.plural] ?? `${r.plural[0]?.toUpperCase()}${r.plural.slice(1, -1)}List`;
      return send(200, JSON.stringify({ kind, apiVersion: 'v1', metadata: {}, items }));
    }
    const name = r.name ?? '';
    const at = find(r.plural, r.ns, name);
    if (method === 'GET') {
      if (at < 0) return send(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
      return r.sub === 'log' ? send(200, '', 'text/plain') : send(200, JSON.stringify(store[at]));
    }
    if (method === 'POST') {
      const o = JSON.parse(body) as StoredObject;
      const ns = r.plural === 'namespaces' ? undefined : r.ns;
      const meta = {
        ...o.metadata,
        ...(ns ? { namespace: ns } : {}),
        uid: `uid-${++uid}`,
        creationTimestamp: '2026-12-03T23:00:00Z',
      };
      const spec = o.kind === 'Service' ? { ...(o.spec as object), clusterIP: '198.18.200.1' } : o.spec;
      const stored = { ...o, metadata: meta, ...(spec ? { spec } : {}) } as StoredObject;
      store.push(stored);
      return send(201, JSON.stringify(stored));
    }
    if (method === 'DELETE') {
      if (at < 0) return send(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
      const [gone] = store.splice(at, 1);
      // A deleted namespace takes its contents (the namespace controller, done at once here).
      if (r.plural === 'namespaces')
        for (let i = store.length - 1; i >= 0; i--) if (store[i]?.metadata.namespace === name) store.splice(i, 1);
      return send(200, JSON.stringify(gone));
    }
    return send(405, status(405, 'MethodNotAllowed', method));
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (outage === 'reset') {
        met++;
        req.socket.resetAndDestroy();
        return;
      }
      if (outage === '503') {
        met++;
        const text = status(503, 'ServiceUnavailable', 'the API server is shutting down');
        res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const instead = self.intercept?.(req.method ?? 'GET', path);
      if (instead !== undefined) {
        const text = status(instead.code, instead.reason, instead.message);
        res.writeHead(instead.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        served.push(`${req.method} ${path} -> ${instead.code}`);
        return;
      }
      answer(req, body, res);
      served.push(`${req.method} ${path}`);
      self.onServed?.(req.method ?? 'GET', path);
    });
  });
  server.on('connection', (s) => {
    first ??= Date.now();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    if (armed === undefined) return;
    const { how, ms } = armed;
    armed = undefined;
    // Refusing starts by resetting this first connection; the others answer on it as they come.
    if (how === 'refuse') void self.down(how, ms);
    else startOutage(how, ms);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = writeFaultKubeconfig(url);

  const closeListener = async () => {
    for (const s of sockets) s.destroy();
    if (server.listening) {
      server.close();
      await once(server, 'close');
    }
  };
  const startOutage = (how: Outage, ms: number | undefined): void => {
    outage = how;
    if (ms !== undefined) timer = setTimeout(() => void self.back(), ms);
  };
  const self: OutageServer = {
    url,
    kubeconfig: config.kubeconfig,
    served,
    metOutage: () => met,
    firstContact: () => first,
    objects: (plural) => store.filter((o) => PLURAL[o.kind] === plural),
    async down(how, ms) {
      startOutage(how, ms);
      // Refused means refused: nothing listens on the port until the stand-in is back.
      if (how === 'refuse') await closeListener();
      else for (const s of sockets) s.destroy();
    },
    downAtNextConnection(how, ms) {
      armed = { how, ms };
    },
    async back() {
      clearTimeout(timer);
      const was = outage;
      outage = undefined;
      if (was === 'refuse' && !server.listening) {
        server.listen(port, '127.0.0.1');
        await once(server, 'listening');
      }
    },
    async close() {
      clearTimeout(timer);
      await closeListener();
      config.remove();
    },
  };
  return self;
}
