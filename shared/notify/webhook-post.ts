import {
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from '#shared/integrations/signature.ts';

/**
 * A signed webhook that was not accepted. `permanent` answers (4xx other than 408 and 429) will
 * not heal by retrying; the others ran out of this invocation's attempts. The message holds the
 * status and a snippet of the answer, never the URL's query or the secret.
 */
export class WebhookDeliveryError extends Error {
  override name = 'WebhookDeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface SignedPost {
  url: string;
  body: string;
  signingSecret: string;
  /** The event's stable id: the same on every redelivery. */
  eventId: string;
  eventType: string;
}

export interface PostOptions {
  fetch?: typeof fetch;
  /** Attempts in this invocation for 408, 429, 5xx and network errors. Default 3. */
  attempts?: number;
  /** First backoff; doubles. Default 200 ms. */
  backoffMs?: number;
  /** One attempt's timeout (an API destination's is 5 s). Default 5 s. */
  timeoutMs?: number;
  now?: () => Date;
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * POSTs a signed body: `Leadscore-Signature` (signed anew on each attempt, over its own
 * timestamp), `Leadscore-Event-Id` and `Leadscore-Event-Type`. Resolves with the status of a 2xx.
 */
export async function postSignedWebhook(post: SignedPost, options: PostOptions = {}): Promise<number> {
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? 3;
  const host = new URL(post.url).host;
  let failure = 'no attempt made';
  let status: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await doFetch(post.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'leadscore-webhook/1',
          [SIGNATURE_HEADER]: signatureHeader(post.signingSecret, post.body, options.now?.()),
          [EVENT_ID_HEADER]: post.eventId,
          [EVENT_TYPE_HEADER]: post.eventType,
        },
        body: post.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      const snippet = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
      if (response.ok) return response.status;
      status = response.status;
      failure = `${host} answered ${response.status} ${snippet}`.trim();
      if (!retryable(response.status)) throw new WebhookDeliveryError(`${failure} (permanent)`, true, status);
    } catch (error) {
      if (error instanceof WebhookDeliveryError) throw error;
      status = undefined;
      failure = `${host} unreachable: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (attempt < attempts) await sleep((options.backoffMs ?? 200) * 2 ** (attempt - 1));
  }
  throw new WebhookDeliveryError(`${failure} (gave up after ${attempts} attempts)`, false, status);
}
