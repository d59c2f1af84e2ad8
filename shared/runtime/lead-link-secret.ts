import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { leadLinkKey } from '#shared/http/lead-link.ts';

/**
 * The HMAC key of signed lead links (`shared/http/lead-link.ts`), for the notifiers that sign
 * them and the lead page that checks them: locally derived from `LEADSCORE_LINK_SECRET` (the
 * local stack sets it); deployed from the Secrets Manager secret `LEAD_LINK_SECRET_ID` names,
 * read on first use and cached for five minutes by Powertools Parameters.
 */
export function leadLinkKeyLoader(env: NodeJS.ProcessEnv = process.env): () => Promise<Buffer> {
  const local = env.LEADSCORE_LINK_SECRET;
  if (local) {
    const key = leadLinkKey(local);
    return async () => key;
  }
  const secretId = env.LEAD_LINK_SECRET_ID;
  if (!secretId)
    throw new Error('invalid function environment: LEAD_LINK_SECRET_ID or LEADSCORE_LINK_SECRET is required');
  return async () => {
    const value = await getSecret(secretId, { maxAge: 300 });
    if (typeof value !== 'string' || value === '') throw new Error('the lead link secret is empty');
    return leadLinkKey(value);
  };
}

/**
 * For the notifiers: the loader when the function has a link secret (the stack always gives one;
 * `test/cdk/lead-links.test.ts`), else undefined, and the message links to the API's lead URL
 * (a notifier handler run without the stack's environment, as some tests do).
 */
export function configuredLeadLinkKeyLoader(
  env: NodeJS.ProcessEnv = process.env,
): (() => Promise<Buffer>) | undefined {
  return env.LEADSCORE_LINK_SECRET || env.LEAD_LINK_SECRET_ID ? leadLinkKeyLoader(env) : undefined;
}
