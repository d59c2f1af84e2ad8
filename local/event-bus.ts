/**
 * A local EventBridge bus. It answers `PutEvents` over HTTP in EventBridge's JSON protocol, so the
 * handlers' real `@aws-sdk/client-eventbridge` client publishes to it unchanged
 * (`endpoint: http://127.0.0.1:<port>`), and routes each event to the targets of every rule whose
 * pattern matches, with the same patterns the CDK stack deploys. Targets are invoked
 * asynchronously, like EventBridge invoking a Lambda function: retried with backoff and, when they
 * keep failing, kept as a JSON line in `<dataDir>/dead-letter.jsonl`, never silently dropped.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BusEnvelope } from '#shared/events/contracts.ts';
import { type EventPattern, matchesPattern, validatePattern } from './pattern.ts';
import {
  type BusIdentity,
  checkRequestLimits,
  type PutEventsEntry,
  PutEventsRequestError,
  type PutEventsResult,
  type PutEventsResultEntry,
  parsePutEventsRequest,
  toEnvelope,
} from './put-events.ts';

/** Something a rule delivers to (locally: a handler module invoked with the envelope). */
export interface BusTarget {
  name: string;
  /** Rejecting counts as a failed delivery and is retried, unless with a {@link NonRetryableDeliveryError}. */
  invoke(envelope: BusEnvelope): Promise<void>;
  /** Attempts in total for this target (its rule target's retry policy); default the bus's. */
  attempts?: number;
}

/**
 * A delivery that retrying cannot fix (an API destination's 4xx other than 429): dead-lettered at
 * once, as EventBridge does not retry those.
 */
export class NonRetryableDeliveryError extends Error {
  override name = 'NonRetryableDeliveryError';
}

/** An EventBridge rule: a pattern and its targets. */
export interface BusRule {
  name: string;
  pattern: EventPattern;
  targets: readonly BusTarget[];
}

/** What happened to one delivery attempt, for logs and tests. */
export interface DeliveryReport {
  rule: string;
  target: string;
  eventId: string;
  detailType: string;
  outcome: 'delivered' | 'retrying' | 'dead-lettered';
  attempt: number;
  durationMs: number;
  error?: unknown;
}

export interface RetryPolicy {
  /** Attempts in total, first included. Default 3 (Lambda's asynchronous invocation: 1 + 2 retries). */
  attempts?: number;
  /** Wait before the first retry; doubles for each further one. Default 200 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts. Default 5 s. */
  maxDelayMs?: number;
}

export interface LocalEventBusOptions {
  /** Bus name, e.g. `leadscore-example` (the `EventBusName` publishers send). */
  name: string;
  /** Folder of `dead-letter.jsonl`. */
  dataDir: string;
  rules?: readonly BusRule[];
  region?: string;
  account?: string;
  retry?: RetryPolicy;
  onDelivery?: (report: DeliveryReport) => void;
  /** Every accepted event, matched by a rule or not. */
  onEvent?: (envelope: BusEnvelope) => void;
}

/** One line of the dead-letter file. */
export interface DeadLetter {
  time: string;
  rule: string;
  target: string;
  attempts: number;
  error: { name: string; message: string };
  envelope: BusEnvelope;
}

/** A rule pattern EventBridge would reject. */
export class InvalidRuleError extends Error {
  constructor(rule: string, problems: string[]) {
    super(`Rule ${rule} has an invalid pattern: ${problems.join('; ')}`);
    this.name = 'InvalidRuleError';
  }
}

interface Delivery {
  rule: BusRule;
  target: BusTarget;
  envelope: BusEnvelope;
  attempt: number;
  abandoned: boolean;
  wake?: () => void;
  timer?: NodeJS.Timeout;
  done?: Promise<void>;
}

const MAX_HTTP_BODY_BYTES = 4 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The local bus. Construct it with its rules, then `listen()` to serve `PutEvents` over HTTP. */
export class LocalEventBus {
  readonly name: string;
  readonly arn: string;
  /** `<dataDir>/dead-letter.jsonl` */
  readonly deadLetterFile: string;
  private readonly identity: BusIdentity;
  private readonly rules: BusRule[] = [];
  private readonly pending = new Set<Delivery>();
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private deadLetterWrites: Promise<void> = Promise.resolve();
  private server: Server | undefined;
  private closed = false;

  constructor(private readonly options: LocalEventBusOptions) {
    const region = options.region ?? 'us-east-1';
    const account = options.account ?? '000000000000';
    this.name = options.name;
    this.arn = `arn:aws:events:${region}:${account}:event-bus/${options.name}`;
    this.identity = { name: this.name, arn: this.arn, region, account };
    this.deadLetterFile = join(options.dataDir, 'dead-letter.jsonl');
    this.attempts = Math.max(1, options.retry?.attempts ?? 3);
    this.baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 5_000;
    for (const rule of options.rules ?? []) this.addRule(rule);
  }

  /** Adds a rule; its pattern is validated as EventBridge would validate it. */
  addRule(rule: BusRule): void {
    const problems = validatePattern(rule.pattern);
    if (problems.length > 0) throw new InvalidRuleError(rule.name, problems);
    this.rules.push(rule);
  }

  /**
   * Puts events from this process, with PutEvents semantics: returns at once with an id or an
   * error per entry; deliveries to targets happen afterwards.
   * @throws PutEventsRequestError when EventBridge would reject the whole request.
   */
  put(entries: readonly PutEventsEntry[]): PutEventsResult {
    if (this.closed) throw new Error(`Event bus ${this.name} is stopped`);
    checkRequestLimits(entries);
    const now = new Date();
    const results: PutEventsResultEntry[] = entries.map((entry) => {
      const outcome = toEnvelope(entry, this.identity, now);
      if (!('envelope' in outcome)) return outcome;
      this.route(outcome.envelope);
      return { EventId: outcome.envelope.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** Resolves once no delivery is in flight or waiting for a retry (deliveries may cause more). */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending].map((delivery) => delivery.done));
    }
    await this.deadLetterWrites;
  }

  /** Serves PutEvents on `http://<host>:<port>` (port 0: a free one). Returns the endpoint. */
  async listen(options: { port?: number; host?: string } = {}): Promise<string> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.writeError(res, 500, 'InternalException', describeError(error).message);
      });
    });
    server.listen({ port: options.port ?? 0, host });
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error)),
    ]);
    this.server = server;
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  /**
   * Stops the HTTP endpoint and waits up to `drainTimeoutMs` for deliveries in flight; those still
   * unfinished then go to the dead-letter file instead of being lost.
   */
  async close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), options.drainTimeoutMs ?? 5_000);
    });
    const outcome = await Promise.race([this.whenIdle().then(() => 'idle' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const delivery of this.pending) {
        this.abandon(delivery, new Error('The local event bus stopped before this delivery succeeded'));
      }
    }
    await this.deadLetterWrites;
  }

  private route(envelope: BusEnvelope): void {
    this.options.onEvent?.(envelope);
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, envelope)) continue;
      for (const target of rule.targets) this.deliver(rule, target, envelope);
    }
  }

  private deliver(rule: BusRule, target: BusTarget, envelope: BusEnvelope): void {
    const delivery: Delivery = { rule, target, envelope, attempt: 0, abandoned: false };
    this.pending.add(delivery);
    delivery.done = new Promise<void>((start) => setImmediate(start))
      .then(() => this.attemptUntilDone(delivery))
      .finally(() => this.pending.delete(delivery));
  }

  private async attemptUntilDone(delivery: Delivery): Promise<void> {
    const { rule, target, envelope } = delivery;
    for (;;) {
      delivery.attempt += 1;
      const started = performance.now();
      const report = (outcome: DeliveryReport['outcome'], error?: unknown) =>
        this.options.onDelivery?.({
          rule: rule.name,
          target: target.name,
          eventId: envelope.id,
          detailType: envelope['detail-type'],
          outcome,
          attempt: delivery.attempt,
          durationMs: performance.now() - started,
          ...(error === undefined ? {} : { error }),
        });
      try {
        // Each target gets its own copy, as each Lambda invocation gets its own JSON.
        await target.invoke(structuredClone(envelope));
        if (!delivery.abandoned) report('delivered');
        return;
      } catch (error) {
        if (delivery.abandoned) return;
        const attempts = target.attempts ?? this.attempts;
        if (delivery.attempt >= attempts || error instanceof NonRetryableDeliveryError) {
          report('dead-lettered', error);
          this.writeDeadLetter(delivery, error);
          return;
        }
        report('retrying', error);
        await this.backoff(delivery);
        if (delivery.abandoned) return;
      }
    }
  }

  private backoff(delivery: Delivery): Promise<void> {
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (delivery.attempt - 1));
    return new Promise<void>((wake) => {
      delivery.wake = wake;
      delivery.timer = setTimeout(wake, delay);
    });
  }

  private abandon(delivery: Delivery, reason: Error): void {
    delivery.abandoned = true;
    clearTimeout(delivery.timer);
    delivery.wake?.();
    this.pending.delete(delivery);
    this.writeDeadLetter(delivery, reason);
  }

  private writeDeadLetter(delivery: Delivery, error: unknown): void {
    const line: DeadLetter = {
      time: new Date().toISOString(),
      rule: delivery.rule.name,
      target: delivery.target.name,
      attempts: delivery.attempt,
      error: describeError(error),
      envelope: delivery.envelope,
    };
    this.deadLetterWrites = this.deadLetterWrites
      .then(() => mkdir(this.options.dataDir, { recursive: true }))
      .then(() => appendFile(this.deadLetterFile, `${JSON.stringify(line)}\n`, 'utf8'))
      .catch((writeError: unknown) => {
        // Last resort: the event must not vanish without a trace.
        console.error(`Could not write ${this.deadLetterFile}:`, writeError, JSON.stringify(line));
      });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readLimited(req, MAX_HTTP_BODY_BYTES);
    if (req.method !== 'POST') {
      return this.writeError(res, 405, 'UnknownOperationException', 'Only POST is supported');
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== 'AWSEvents.PutEvents') {
      const operation = target.replace(/^AWSEvents\./, '') || '(none)';
      return this.writeError(
        res,
        400,
        'UnknownOperationException',
        `Operation ${operation} is not supported locally`,
      );
    }
    if (body === undefined) {
      return this.writeError(res, 413, 'ValidationException', 'Request is too large');
    }
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new PutEventsRequestError('SerializationException', 'Request body is not valid JSON');
      }
      const result = this.put(parsePutEventsRequest(parsed));
      this.writeJson(res, 200, result);
    } catch (error) {
      if (error instanceof PutEventsRequestError) return this.writeError(res, 400, error.type, error.message);
      throw error;
    }
  }

  private writeJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  private writeError(res: ServerResponse, status: number, type: string, message: string): void {
    this.writeJson(res, status, { __type: type, message }, { 'x-amzn-errortype': type });
  }
}

/** Reads a request body; undefined when it exceeds `maxBytes` (the rest is drained). */
async function readLimited(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks);
}
