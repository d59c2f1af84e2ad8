import { describe, expect, it } from 'vitest';
import { parseNotificationEnvelope } from '#shared/notify/envelope.ts';

const envelope = (overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'eb-1',
  'detail-type': 'Lead Segment Changed',
  source: 'leadscore.example',
  account: '000000000000',
  time: '2025-03-01T06:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    id: 'evt-1',
    leadId: 'ld_1',
    email: null,
    name: null,
    company: null,
    oldScore: 40,
    newScore: 60,
    oldSegment: 'warm',
    newSegment: 'hot',
    grade: 'C',
    lifecycle: 'lead',
    owner: null,
    topReasons: [],
    modelVersion: 'v1',
    time: '2025-03-01T06:00:00Z',
    cause: 'decay',
  },
  ...overrides,
});

describe('parseNotificationEnvelope', () => {
  it('It should accept a notifying event and keep its detail', () => {
    const event = parseNotificationEnvelope(envelope());

    expect(event.detailType).toBe('Lead Segment Changed');
    expect(event.detail.id).toBe('evt-1');
    expect(event.envelopeId).toBe('eb-1');
  });

  it('It should name the bad fields of a malformed detail', () => {
    const bad = envelope();
    (bad.detail as Record<string, unknown>).newScore = 'high';
    delete (bad.detail as Record<string, unknown>).leadId;

    expect(() => parseNotificationEnvelope(bad)).toThrowError(
      expect.objectContaining({
        name: 'MalformedEnvelopeError',
        issues: expect.arrayContaining([
          expect.stringMatching(/^detail\.leadId: /),
          expect.stringMatching(/^detail\.newScore: /),
        ]),
      }),
    );
  });

  it('It should refuse events the notifiers are not for', () => {
    expect(() => parseNotificationEnvelope(envelope({ 'detail-type': 'Lead Scored' }))).toThrow(
      /Malformed notification envelope: detail-type/,
    );
    expect(() => parseNotificationEnvelope('not an event')).toThrow(/Malformed/);
  });
});
