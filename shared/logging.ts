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

const NO_METRICS = 'No application metrics to publish';

/**
 * Powertools Metrics' own messages, through the function's logger (its level and JSON format).
 * An invocation that records no metric (a read, a duplicate, a quiet decay) is normal here, not a
 * warning on every such request: Powertools' note about it goes to debug.
 */
function metricsLogger(logger: Logger) {
  const text = (content: unknown[]) => content.map(String).join(' ');
  return {
    debug: (...content: unknown[]) => logger.debug(text(content)),
    info: (...content: unknown[]) => logger.info(text(content)),
    warn: (...content: unknown[]) => {
      const message = text(content);
      if (message.startsWith(NO_METRICS)) logger.debug(message);
      else logger.warn(message);
    },
    error: (...content: unknown[]) => logger.error(text(content)),
  };
}

/** One Powertools logger and metrics pair per function, named by the function. */
export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'leadscore',
    logger: metricsLogger(logger),
  });
  return { logger, metrics };
}
