import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** `jane.doe@acme.com` -> `j***@acme.com`: logs identify a lead without holding its address. */
export function maskEmail(email: string | null | undefined): string {
  if (!email) return '';
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

const EMAIL_PATTERN = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** Masks every email address inside free text (error messages, reasons). */
export function maskEmailsIn(text: string): string {
  return text.replace(EMAIL_PATTERN, '$1***$2');
}

/** One Powertools logger and metrics pair per function, named by the function. */
export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'leadscore',
  });
  return { logger, metrics };
}
