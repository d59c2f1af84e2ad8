import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { IngestEvent } from '#shared/app/ingest.ts';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { json, ValidationError } from '#shared/http/errors.ts';
import { eventsOf, ingestBatch } from './events.ts';

/**
 * POST /v1/events: one event answers with its own status (400 naming the fields when rejected);
 * a batch answers 200 with a result per event. 503 when any event could not be stored, so the
 * caller retries (ids make the retry safe).
 */
export async function postEvents(
  store: Leadscore,
  body: unknown,
  now: number,
  onFailure: (error: unknown, event: IngestEvent) => void,
): Promise<{
  http: APIGatewayProxyStructuredResultV2;
  counts: Record<'accepted' | 'duplicate' | 'rejected' | 'throttled' | 'failed', number>;
}> {
  const { single, items } = eventsOf(body);
  const results = await ingestBatch(store, items, now, single, onFailure);
  const counts = { accepted: 0, duplicate: 0, rejected: 0, throttled: 0, failed: 0 };
  for (const r of results) counts[r.status]++;
  if (single) {
    const [result] = results;
    if (result?.status === 'rejected') {
      throw new ValidationError(
        'fields' in result ? result.fields : [{ field: 'leadId', message: result.reason }],
      );
    }
    const { index: _, ...rest } = result!;
    return { http: json(result?.status === 'failed' ? 503 : 200, rest), counts };
  }
  return { http: json(counts.failed > 0 ? 503 : 200, { ...counts, results }), counts };
}
