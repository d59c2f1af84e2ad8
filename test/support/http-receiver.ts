/**
 * A real HTTP server on 127.0.0.1 (free port) that stands in for a Slack incoming webhook:
 * it records every request and answers 200 `ok`, or what it was told to (500 n times, 404...).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered. */
  status: number;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = unknown>(): T;
}

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface HttpReceiver {
  /** Base URL, e.g. `http://127.0.0.1:54321`; any path is accepted. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: ReceivedRequest[];
  /** Requests answered with 2xx (what a webhook "delivered"). */
  delivered(): ReceivedRequest[];
  /** Answer the next `times` requests with `answer` (default a 500), then go back to normal. */
  failNext(times: number, answer?: ScriptedAnswer): void;
  /** Answer every request with `answer` until `reset()` (e.g. a 404 for a revoked webhook). */
  failAlways(answer: ScriptedAnswer): void;
  /** Wait `ms` before answering each request (to make concurrent deliveries overlap). */
  delayAnswers(ms: number): void;
  /** Back to answering 200 `ok` at once; keeps the recorded requests unless `clear` is true. */
  reset(options?: { clear?: boolean }): void;
  /** Resolves when at least `count` requests were delivered (2xx), or rejects after `timeoutMs`. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

const OK: ScriptedAnswer = { status: 200, body: 'ok' };

/** Starts a receiver on a free port; `close()` it when done. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let scripted: ScriptedAnswer[] = [];
  let always: ScriptedAnswer | undefined;
  let delayMs = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (delayMs > 0) await new Promise((done) => setTimeout(done, delayMs));
      const answer = scripted.shift() ?? always ?? OK;
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        status: answer.status,
        json: <T>() => JSON.parse(body) as T,
      });
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const delivered = () => requests.filter((r) => r.status >= 200 && r.status < 300);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delivered,
    failNext(times, answer = { status: 500, body: 'internal error' }) {
      scripted = Array.from({ length: times }, () => answer);
    },
    failAlways(answer) {
      always = answer;
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    reset(options = {}) {
      scripted = [];
      always = undefined;
      delayMs = 0;
      if (options.clear) requests.length = 0;
    },
    async waitForDelivered(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (delivered().length < count) {
        if (Date.now() > deadline) {
          throw new Error(`Expected ${count} delivered request(s), got ${delivered().length}`);
        }
        await new Promise((done) => setTimeout(done, 20));
      }
      return delivered();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())));
    },
  };
}
