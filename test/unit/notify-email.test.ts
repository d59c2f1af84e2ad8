import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES, type SegmentChangedDetail } from '#shared/events/contracts.ts';
import { buildEmail, escapeHtml, messageIdFor, toRfc822 } from '#shared/notify/email.ts';

const detail = (overrides: Partial<SegmentChangedDetail> = {}): SegmentChangedDetail => ({
  id: 'evt-7',
  leadId: 'ld_7',
  email: 'jane@acme.com',
  name: 'Jane Doe',
  company: 'Acme',
  oldScore: 40,
  newScore: 72.5,
  oldSegment: 'warm',
  newSegment: 'hot',
  grade: 'B',
  lifecycle: 'lead',
  owner: { name: 'Sam Rivera', email: 'sam@example.com' },
  topReasons: ['Requested a demo (+40)'],
  modelVersion: 'v3',
  time: '2025-03-01T06:00:00.000Z',
  cause: 'evt_123',
  ...overrides,
});

const options = {
  leadUrl: 'https://api.example.com/v1/leads/ld_7',
  from: 'leads@example.com',
  to: ['sales@example.com', 'sam@example.com'],
};

describe('buildEmail', () => {
  it('It should address the routed recipients with a subject naming the lead and its score', () => {
    const email = buildEmail(detail(), DETAIL_TYPES.segmentChanged, options);

    expect(email.from).toBe('leads@example.com');
    expect(email.to).toEqual(['sales@example.com', 'sam@example.com']);
    expect(email.subject).toBe('[leadscore] Jane Doe (Acme) is now hot (score 72.5)');
  });

  it('It should give the same facts, reasons and link in the text part', () => {
    const { text } = buildEmail(detail(), DETAIL_TYPES.segmentChanged, options);

    expect(text).toContain('Jane Doe (Acme) is now hot.');
    expect(text).toContain('Score: 72.5 (was 40)');
    expect(text).toContain('Grade / segment: B / hot');
    expect(text).toContain('Owner: Sam Rivera');
    expect(text).toContain('- Requested a demo (+40)');
    expect(text).toContain('Open the lead: https://api.example.com/v1/leads/ld_7');
  });

  it('It should escape user input in the HTML part', () => {
    const evil = detail({
      name: '<script>alert(1)</script>',
      company: 'Tom & "Jerry\'s"',
      topReasons: ['<img src=x onerror=alert(1)>'],
    });
    const { html } = buildEmail(evil, DETAIL_TYPES.segmentChanged, options);

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Tom &amp; &quot;Jerry&#39;s&quot;');
    expect(html).toContain('<a href="https://api.example.com/v1/leads/ld_7">Open the lead</a>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('It should keep the subject on one line whatever the lead’s name holds', () => {
    const email = buildEmail(
      detail({ name: 'Jane\r\nBcc: victim@example.com' }),
      DETAIL_TYPES.thresholdCrossed,
      options,
    );

    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('It should compose a multipart RFC 822 message with a stable Message-ID', async () => {
    const email = buildEmail(detail(), DETAIL_TYPES.segmentChanged, options);
    const messageId = messageIdFor('evt-7', options.from);
    const parsed = await simpleParser(await toRfc822(email, messageId));

    expect(messageId).toBe('<evt-7.leadscore@example.com>');
    expect(parsed.messageId).toBe(messageId);
    expect(parsed.subject).toBe(email.subject);
    expect(parsed.text?.trim()).toBe(email.text.trim());
    expect(parsed.html).toContain('Jane Doe (Acme) is now hot');
  });
});
