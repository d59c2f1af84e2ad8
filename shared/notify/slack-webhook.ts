import type { SlackMessage } from './slack.ts';

/**
 * A Slack post that did not go through. `permanent` failures (bad or revoked webhook: 400,
 * 403, 404, 410) will not heal by retrying; the others ran out of retries. The message never
 * contains the webhook URL: it is a secret.
 */
export class SlackDeliveryError extends Error {
  override name = 'SlackDeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status: number | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface PostToSlackOptions {
  /** The fetch to use (default: Node's global fetch). */
  fetch?: typeof fetch;
  /** Retries after the first attempt for 429, 5xx and network errors. Default 3. */
  retries?: number;
  /** First backoff delay; it doubles on each retry. Default 200 ms. */
  backoffMs?: number;
  /** Upper bound for one wait, including a server's Retry-After. Default 10 s. */
  maxDelayMs?: number;
  /** Timeout of one attempt. Default 5 s. */
  timeoutMs?: number;
}

export interface SlackPostResult {
  status: number;
  attempts: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const isRetryableStatus = (status: number) => status === 429 || status === 408 || status >= 500;

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function responseSnippet(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  return body.slice(0, 200).replace(/\s+/g, ' ').trim();
}

/**
 * Posts a message to a Slack incoming webhook. Transient failures (429, 5xx, network errors,
 * timeouts) are retried with exponential backoff, honouring Retry-After; other 4xx answers are
 * permanent. Throws SlackDeliveryError when the message was not delivered.
 */
export async function postToSlack(
  webhookUrl: string,
  payload: SlackMessage,
  options: PostToSlackOptions = {},
): Promise<SlackPostResult> {
  const doFetch = options.fetch ?? fetch;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const body = JSON.stringify(payload);
  let lastFailure = 'no attempt made';
  let lastStatus: number | undefined;
  let lastCause: unknown;

  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    let wait = backoffMs * 2 ** (attempt - 1);
    try {
      const response = await doFetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      if (response.ok) {
        await response.body?.cancel();
        return { status: response.status, attempts: attempt };
      }
      lastStatus = response.status;
      lastFailure = `Slack answered ${response.status} ${await responseSnippet(response)}`.trim();
      if (!isRetryableStatus(response.status)) {
        throw new SlackDeliveryError(`${lastFailure} (permanent)`, true, response.status, attempt);
      }
      wait = retryAfterMs(response.headers.get('retry-after')) ?? wait;
    } catch (error) {
      if (error instanceof SlackDeliveryError) throw error;
      lastStatus = undefined;
      lastCause = error;
      lastFailure = `Slack webhook unreachable: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (attempt <= retries) await sleep(Math.min(wait, maxDelayMs));
  }
  throw new SlackDeliveryError(
    `${lastFailure} (gave up after ${retries + 1} attempts)`,
    false,
    lastStatus,
    retries + 1,
    { cause: lastCause },
  );
}
