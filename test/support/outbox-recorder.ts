import type { Leadscore } from '#shared/app/leadscore.ts';
import type { OutgoingEvent } from '#shared/events/contracts.ts';
import { decodeOutbox } from '#shared/store/outbox.ts';

/**
 * Records the events every committed write of `app` stores in its lead's outbox (what the
 * stream's consumer will put on the bus), in commit order. Writes that lost a race are not
 * recorded: their outbox was never stored.
 */
export function recordOutbox(app: Leadscore): OutgoingEvent[] {
  const recorded: OutgoingEvent[] = [];
  const repo = app.repo;
  const commitIngest = repo.commitIngest.bind(repo);
  const replaceLead = repo.replaceLead.bind(repo);
  const replaceLeadMetered = repo.replaceLeadMetered.bind(repo);
  repo.commitIngest = async (commit) => {
    const outcome = await commitIngest(commit);
    if (outcome === 'committed' && commit.lead?.outbox) recorded.push(...decodeOutbox(commit.lead.outbox));
    return outcome;
  };
  repo.replaceLead = async (item, expectedVersion) => {
    const replaced = await replaceLead(item, expectedVersion);
    if (replaced && item.outbox) recorded.push(...decodeOutbox(item.outbox));
    return replaced;
  };
  repo.replaceLeadMetered = async (item, expectedVersion) => {
    const result = await replaceLeadMetered(item, expectedVersion);
    if (result.replaced && item.outbox) recorded.push(...decodeOutbox(item.outbox));
    return result;
  };
  return recorded;
}
