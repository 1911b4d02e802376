/**
 * A real headless Chromium driven over the DevTools protocol (loopback only): open a local file
 * at a chosen viewport (the `--window-size` flag cannot go below 500 px, a phone is 390 px), read
 * layout numbers, collect console messages and page errors, take a screenshot and print to PDF.
 * Bounded: every command has a timeout and the browser is killed in `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';

export const CHROMIUM = process.env['MESHPROBE_CHROMIUM'] ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
];

/** What a page said or threw while loading. */
export interface PageMessage {
  readonly level: string;
  readonly text: string;
}

/** One page in a viewport of a given width. */
export interface Page {
  /** Evaluate an expression in the page; returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** PNG bytes of the full page. */
  screenshot(): Promise<Buffer>;
  /** PDF bytes (A4, backgrounds printed). */
  pdf(): Promise<Buffer>;
  /** Console messages of level warning/error and uncaught exceptions seen so far. */
  readonly problems: readonly PageMessage[];
}

/** A running browser. */
export interface Browser {
  open(
    url: string,
    viewport: { readonly width: number; readonly height: number; readonly mobile: boolean },
  ): Promise<Page>;
  close(): Promise<void>;
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };

function devtoolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`chromium printed no DevTools URL in 60 s: ${err.slice(-500)}`)),
      60_000,
    );
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(err);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) =>
      reject(new Error(`chromium exited (${code}) before DevTools was up: ${err.slice(-500)}`)),
    );
  });
}

/** Launch headless Chromium with a private profile. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'meshprobe-chromium-'));
  const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await devtoolsUrl(child);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('cannot connect to chromium DevTools')));
  });
  let next = 1;
  const pending = new Map<number, Pending>();
  const listeners: Array<(method: string, params: Record<string, unknown>, session?: string) => void> = [];
  ws.addEventListener('message', (ev) => {
    const msg = JSON.parse(String(ev.data)) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: { message: string };
    };
    const full = msg as { method?: string; params?: Record<string, unknown>; sessionId?: string };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result ?? {});
    } else if (full.method !== undefined) {
      for (const l of listeners) l(full.method, full.params ?? {}, full.sessionId);
    }
  });
  const send = (
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`DevTools ${method} timed out`));
      }, 60_000);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });

  async function open(url: string, viewport: { width: number; height: number; mobile: boolean }): Promise<Page> {
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const problems: PageMessage[] = [];
    let loaded: () => void = () => undefined;
    const load = new Promise<void>((resolve) => (loaded = resolve));
    listeners.push((method, params, session) => {
      if (session !== sessionId) return;
      if (method === 'Page.loadEventFired') loaded();
      if (method === 'Runtime.exceptionThrown') problems.push({ level: 'exception', text: JSON.stringify(params) });
      if (method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(String(params['type']))) {
        problems.push({ level: String(params['type']), text: JSON.stringify(params['args']) });
      }
      if (method === 'Log.entryAdded') {
        const entry = params['entry'] as { level: string; text: string };
        if (entry.level === 'error' || entry.level === 'warning')
          problems.push({ level: entry.level, text: entry.text });
      }
    });
    for (const domain of ['Page', 'Runtime', 'Log']) await send(`${domain}.enable`, {}, sessionId);
    await send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1 }, sessionId);
    await send('Page.navigate', { url }, sessionId);
    await Promise.race([
      load,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${url} did not load in 60 s`)), 60_000)),
    ]);
    return {
      problems,
      async evaluate<T>(expression: string): Promise<T> {
        const r = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as {
          result: { value: T };
        };
        return r.result.value;
      },
      async screenshot(): Promise<Buffer> {
        const metrics = (await send('Page.getLayoutMetrics', {}, sessionId)) as {
          cssContentSize: { width: number; height: number };
        };
        const { width, height } = metrics.cssContentSize;
        const clip = { x: 0, y: 0, width: Math.ceil(width), height: Math.ceil(height), scale: 1 };
        const r = (await send(
          'Page.captureScreenshot',
          { format: 'png', captureBeyondViewport: true, clip },
          sessionId,
        )) as { data: string };
        return Buffer.from(r.data, 'base64');
      },
      async pdf(): Promise<Buffer> {
        const opts = { printBackground: true, paperWidth: 8.27, paperHeight: 11.69, displayHeaderFooter: false };
        const r = (await send('Page.printToPDF', opts, sessionId)) as { data: string };
        return Buffer.from(r.data, 'base64');
      },
    };
  }

  async function close(): Promise<void> {
    ws.close();
    child.kill('SIGKILL');
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    // Chromium's helper processes outlive the browser by a moment and may still write into the profile: retry on ENOTEMPTY.
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
  return { open, close };
}
