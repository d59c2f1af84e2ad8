import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES, type ThresholdCrossedDetail } from '#shared/events/contracts.ts';
import { buildSlackMessage, escapeSlack, type SlackBlock } from '#shared/notify/slack.ts';
import { retryAfterMs } from '#shared/notify/slack-webhook.ts';
import { leadUrlFor } from '#shared/notify/summary.ts';

const detail = (overrides: Partial<ThresholdCrossedDetail> = {}): ThresholdCrossedDetail => ({
  id: 'evt-1',
  leadId: 'ld_42',
  email: 'jane@acme.com',
  name: 'Jane Doe',
  company: 'Acme',
  oldScore: 80,
  newScore: 105,
  oldSegment: 'warm',
  newSegment: 'hot',
  grade: 'A',
  lifecycle: 'mql',
  owner: { name: 'Erika Mustermann', email: 'erika@example.com' },
  topReasons: ['Visited pricing 3 times (+30)', 'Company size 200-1000 (+20)'],
  modelVersion: 'v3',
  time: '2025-03-01T06:00:00.000Z',
  cause: 'form_submit',
  threshold: 'mql',
  thresholdScore: 100,
  direction: 'up',
  ...overrides,
});

const leadUrl = leadUrlFor('https://api.example.com/', 'ld_42');
const fieldTexts = (blocks: SlackBlock[]) =>
  blocks.flatMap((block) =>
    block.type === 'section' && block.fields ? block.fields.map((f) => f.text) : [],
  );

describe('buildSlackMessage', () => {
  it('It should show who the lead is, the score, grade / segment, owner and lifecycle as fields', () => {
    const message = buildSlackMessage(detail(), DETAIL_TYPES.thresholdCrossed, {
      leadUrl,
      channel: '#sales',
    });

    expect(fieldTexts(message.blocks)).toEqual([
      '*Name*\nJane Doe',
      '*Company*\nAcme',
      '*Email*\njane@acme.com',
      '*Score*\n105 (was 80)',
      '*Grade / segment*\nA / hot',
      '*Owner*\nErika Mustermann',
      '*Lifecycle*\nmql',
      '*Threshold*\nmql (100)',
    ]);
    expect(message.channel).toBe('#sales');
  });

  it('It should start with a header naming the lead and why it notifies', () => {
    const crossed = buildSlackMessage(detail(), DETAIL_TYPES.thresholdCrossed, { leadUrl });
    const hot = buildSlackMessage(detail(), DETAIL_TYPES.segmentChanged, { leadUrl });

    expect(crossed.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: ':dart: Jane Doe (Acme) crossed the mql threshold' },
    });
    expect(hot.blocks[0]).toMatchObject({ text: { text: ':fire: Jane Doe (Acme) is now hot' } });
  });

  it('It should list the top reasons and link to the lead with a button', () => {
    const message = buildSlackMessage(detail(), DETAIL_TYPES.thresholdCrossed, { leadUrl });

    expect(message.blocks).toContainEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Top reasons*\n• Visited pricing 3 times (+30)\n• Company size 200-1000 (+20)',
      },
    });
    const actions = message.blocks.find((block) => block.type === 'actions');
    expect(actions).toMatchObject({
      elements: [{ type: 'button', url: 'https://api.example.com/v1/leads/ld_42' }],
    });
  });

  it('It should have a plain text fallback with the headline, score and link', () => {
    const message = buildSlackMessage(detail(), DETAIL_TYPES.thresholdCrossed, { leadUrl });

    expect(message.text).toBe(
      'Jane Doe (Acme) crossed the mql threshold: score 105 (was 80), A / hot. <https://api.example.com/v1/leads/ld_42|Open lead>',
    );
    expect(message).not.toHaveProperty('channel');
  });

  it('It should escape user input so a lead cannot inject links or mentions', () => {
    const evil = detail({ name: '<!channel> <https://evil.example|click> & co', company: 'A>B' });
    const message = buildSlackMessage(evil, DETAIL_TYPES.segmentChanged, { leadUrl });
    const json = JSON.stringify({ fields: fieldTexts(message.blocks), text: message.text });

    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil');
    expect(fieldTexts(message.blocks)[0]).toBe(
      '*Name*\n&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co',
    );
    expect(escapeSlack('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  it('It should fall back to email or lead id for anonymous leads and say when there are no reasons', () => {
    const anonymous = detail({ name: null, company: null, email: null, owner: null, topReasons: [] });
    const message = buildSlackMessage(anonymous, DETAIL_TYPES.segmentChanged, { leadUrl });

    expect(message.blocks[0]).toMatchObject({ text: { text: ':fire: ld_42 is now hot' } });
    expect(fieldTexts(message.blocks)).toContain('*Owner*\nUnassigned');
    expect(message.blocks).toContainEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Top reasons*\n_No reasons recorded._' },
    });
  });

  it('It should keep the header within Slack’s 150 characters', () => {
    const message = buildSlackMessage(detail({ name: 'N'.repeat(400) }), DETAIL_TYPES.segmentChanged, {
      leadUrl,
    });
    const header = message.blocks[0];

    expect(header?.type === 'header' && header.text.text.length).toBe(150);
  });
});

describe('retryAfterMs', () => {
  it('It should read Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Sat, 01 Mar 2025 06:00:05 GMT', Date.parse('2025-03-01T06:00:00Z'))).toBe(5000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('leadUrlFor', () => {
  it('It should join the base and encode the lead id', () => {
    expect(leadUrlFor('http://127.0.0.1:3000', 'ld/1 2')).toBe('http://127.0.0.1:3000/v1/leads/ld%2F1%202');
  });
});
