import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Leadscore } from '#shared/app/leadscore.ts';
import type { ClientConfig, FormConfig } from '#shared/config/schema.ts';
import { HttpError, json, ValidationError } from '#shared/http/errors.ts';
import { isNavigation, thanksPage } from './form-pages.ts';
import { inputFor, parseFormSubmission } from './forms.ts';

/** Content types a form may be posted with (PRODUCT §3.1); others get 415. */
export const FORM_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'application/json',
];

export function contentTypeOf(event: APIGatewayProxyEventV2): string {
  return (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The form with this id; own keys only, so an id such as `constructor` finds nothing. */
export function formFor(config: ClientConfig, formId: string | undefined): FormConfig | undefined {
  return formId !== undefined && Object.hasOwn(config.forms, formId) ? config.forms[formId] : undefined;
}

/**
 * POST /v1/forms/{formId}: validates and maps the submission, stores it as a `form_submit`
 * event with the profile, and answers a navigation (a plain HTML form post, see `isNavigation`)
 * with a 303 to the form's `redirectUrl` (or a thank-you page), and fetch/XHR, whatever the
 * body's type, with JSON. A spam verdict gets the same answer as a real submission: a bot
 * learns nothing. Errors name the inputs as the page posted them.
 */
export async function postForm(
  store: Leadscore,
  event: APIGatewayProxyEventV2,
  now: number,
): Promise<APIGatewayProxyStructuredResultV2> {
  const formId = event.pathParameters?.formId ?? '';
  const form = formFor(store.config, formId);
  if (!form)
    throw new HttpError(404, 'unknown_form', `no form "${formId}"`, [
      { field: 'formId', message: 'unknown form' },
    ]);
  const parsed = parseFormSubmission(formId, event.body, form, now);
  if ('issues' in parsed) throw new ValidationError(parsed.issues);
  const { submission } = parsed;
  const result = await store.ingest(
    {
      eventId: submission.eventId,
      email: String(submission.profile.email),
      ...(submission.anonymousId ? { anonymousId: submission.anonymousId } : {}),
      type: 'form_submit',
      occurredAt: now,
      attributes: {
        formId,
        ...(submission.spamReasons.length > 0 ? { spamReasons: submission.spamReasons } : {}),
      },
      profile: submission.profile,
      ...(submission.spamReasons.length > 0 ? { spam: true } : {}),
    },
    now,
  );
  if (result.status === 'throttled')
    throw new HttpError(429, 'too_many_submissions', result.reason, [
      { field: inputFor(result.field, form, submission.inputs), message: result.reason },
    ]);
  if (result.status === 'rejected')
    throw new ValidationError([
      { field: inputFor(result.field, form, submission.inputs), message: result.reason },
    ]);
  if (isNavigation(event)) {
    if (form.redirectUrl) return { statusCode: 303, headers: { location: form.redirectUrl }, body: '' };
    return thanksPage();
  }
  return json(200, { status: 'accepted', leadId: result.leadId });
}
