import type { ClientConfig } from '#shared/config/schema.ts';
import { applyEvent, newLeadState } from '#shared/scoring/engine.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { routeFor } from '#shared/scoring/routing.ts';
import { leadIdFor } from '#shared/store/identity.ts';
import { type LeadItem, toLeadItem } from '#shared/store/lead-item.ts';
import { generateDecayLeads } from './decay-leads.ts';
import { seededRandom } from './synthetic-events.ts';

/**
 * Lead items for the listing bench and tests (GET /v1/leads): the decay bench's steady-state
 * leads (engine states from a few synthetic events each, stored as the store and the daily job
 * leave them, so stored scores are those of each lead's last write and some leads are due to
 * change band), plus a share of disqualified leads (a demo request from a competitor's domain).
 * Every item is built by `toLeadItem`, so its index keys are the real ones.
 */
export interface ListLeadsOptions {
  readonly leads: number;
  /** Epoch ms the listing is read at (the decay bench's run time). */
  readonly now: number;
  readonly seed: number;
  /** Share of disqualified leads. Default 0.02. */
  readonly disqualifiedShare?: number;
  /** Share of leads due to change band by `now` (engaged leads near a line). Default 0.01. */
  readonly dueShare?: number;
}

const DAY_MS = 86_400_000;
const TITLES = ['VP Marketing', 'Head of Growth', 'Marketing Manager', 'Analyst'];
const COUNTRIES = ['US', 'DE', 'GB', 'CA'];

export function generateListLeads(
  options: ListLeadsOptions,
  config: ClientConfig,
  model: CompiledModel,
): LeadItem[] {
  const disqualified = Math.round(options.leads * (options.disqualifiedShare ?? 0.02));
  const { items } = generateDecayLeads(
    {
      leads: options.leads - disqualified,
      dueShare: options.dueShare ?? 0.01,
      runAt: options.now,
      seed: options.seed,
    },
    config,
    model,
  );
  const random = seededRandom(options.seed + 1);
  const competitors = config.lists.competitors ?? ['rivalmetrics.com'];
  for (let n = 0; n < disqualified; n++) {
    const email = `spy${n}@${competitors[n % competitors.length]}`;
    const at = options.now - DAY_MS - Math.floor(random() * 60 * DAY_MS);
    const profile = {
      email,
      firstName: `Spy${n}`,
      lastName: 'Rival',
      company: 'Rival',
      jobTitle: TITLES[n % TITLES.length]!,
      industry: 'software',
      employees: Math.floor(10 ** (1 + random() * 4)),
      country: COUNTRIES[n % COUNTRIES.length]!,
    };
    const { state } = applyEvent(
      newLeadState(leadIdFor(email), model),
      {
        id: `spy${n}-0`,
        type: 'form_submit',
        occurredAt: at,
        attributes: { formId: 'demo-request' },
        profile,
      },
      model,
    );
    items.push(
      toLeadItem({
        state,
        kind: 'lead',
        version: 1,
        route: routeFor(state.profile, config),
        nextChangeAt: null,
        createdAt: new Date(at).toISOString(),
        now: at,
      }),
    );
  }
  return items;
}
