import { describe, expect, it } from 'vitest';
import { type EventPattern, matchesPattern, validatePattern } from '#local/pattern.ts';

/*
 * Cases follow the examples of the AWS EventBridge user guide pages "Event patterns" (field and
 * value matching, null and empty strings, arrays) and "Content filtering in Amazon EventBridge event
 * patterns" (one section per operator), each with matching and non-matching events.
 */

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** Shorthand: an event whose `detail` holds the given fields. */
const withDetail = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...extra,
  detail,
});

describe('matchesPattern', () => {
  describe('field and value matching', () => {
    const terminated: EventPattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };

    it('It should match when every pattern field matches and ignore fields the pattern omits', () => {
      expect(matchesPattern(terminated, ec2Event)).toBe(true);
    });

    it('It should not match when a nested field has another value', () => {
      expect(matchesPattern(terminated, { ...ec2Event, detail: { state: 'running' } })).toBe(false);
    });

    it('It should not match when a pattern field is missing from the event', () => {
      const { source: _ignored, ...withoutSource } = ec2Event;
      expect(matchesPattern(terminated, withoutSource)).toBe(false);
    });

    it('It should match any of the values listed for a field', () => {
      const pattern: EventPattern = { source: ['aws.ec2', 'aws.fargate'] };
      expect(matchesPattern(pattern, { source: 'aws.fargate' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.s3' })).toBe(false);
    });

    it('It should match nested numeric values such as the Macie risk example', () => {
      const pattern: EventPattern = {
        source: ['aws.macie'],
        detail: { 'risk-score': [80], trigger: { risk: [8] } },
      };
      const alert = { source: 'aws.macie', detail: { 'risk-score': 80, trigger: { risk: 8 } } };
      expect(matchesPattern(pattern, alert)).toBe(true);
      expect(matchesPattern(pattern, { ...alert, detail: { ...alert.detail, trigger: { risk: 7 } } })).toBe(
        false,
      );
    });

    it('It should match literals type-exactly', () => {
      expect(matchesPattern({ detail: { count: [5] } }, withDetail({ count: '5' }))).toBe(false);
      expect(matchesPattern({ detail: { count: ['5'] } }, withDetail({ count: 5 }))).toBe(false);
      expect(matchesPattern({ detail: { flag: [true] } }, withDetail({ flag: 'true' }))).toBe(false);
      expect(matchesPattern({ detail: { flag: [false] } }, withDetail({ flag: false }))).toBe(true);
    });

    it('It should compare numbers by value', () => {
      expect(matchesPattern({ detail: { 'x-limit': [3.018e2] } }, withDetail({ 'x-limit': 301.8 }))).toBe(
        true,
      );
    });

    it('It should match strings case-sensitively', () => {
      expect(matchesPattern({ source: ['aws.ec2'] }, { source: 'AWS.EC2' })).toBe(false);
    });

    it('It should treat a non-object event as having no fields', () => {
      expect(matchesPattern({ source: ['aws.ec2'] }, null)).toBe(false);
      expect(matchesPattern({ source: ['aws.ec2'] }, 'aws.ec2')).toBe(false);
    });

    it('It should accept a value list mixing literals and operators', () => {
      const pattern: EventPattern = { detail: { state: ['running', { prefix: 'init' }] } };
      expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: 'stopped' }))).toBe(false);
    });
  });

  describe('null values and empty strings', () => {
    it('It should match an empty string with [""]', () => {
      expect(matchesPattern({ detail: { eventVersion: [''] } }, autoScalingEvent)).toBe(true);
    });

    it('It should match a null value with [null]', () => {
      const pattern: EventPattern = {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance Launch Successful'],
        detail: { responseElements: [null] },
      };
      expect(matchesPattern(pattern, autoScalingEvent)).toBe(true);
    });

    it('It should not treat null and empty string as interchangeable', () => {
      expect(matchesPattern({ detail: { responseElements: [''] } }, autoScalingEvent)).toBe(false);
      expect(matchesPattern({ detail: { eventVersion: [null] } }, autoScalingEvent)).toBe(false);
    });

    it('It should not match [null] against a missing field', () => {
      expect(matchesPattern({ detail: { missing: [null] } }, autoScalingEvent)).toBe(false);
    });
  });

  describe('arrays', () => {
    const pattern: EventPattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };

    it('It should match when the pattern values and the event array intersect', () => {
      const event = {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      };
      expect(matchesPattern(pattern, event)).toBe(true);
    });

    it('It should not match when the intersection is empty', () => {
      expect(
        matchesPattern(pattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-1'] }),
      ).toBe(false);
      expect(matchesPattern(pattern, { resources: [] })).toBe(false);
    });

    it('It should match operators against any element of an event array', () => {
      expect(
        matchesPattern(
          { detail: { tags: [{ prefix: 'Insider' }] } },
          withDetail({ tags: ['Custom', 'Insider'] }),
        ),
      ).toBe(true);
    });

    it('It should match nested fields within the same element of an array of objects', () => {
      const event = {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      };
      expect(matchesPattern({ employees: { firstName: ['Anna'] } }, event)).toBe(true);
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, event)).toBe(true);
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Doe'] } }, event)).toBe(false);
    });
  });

  describe('prefix', () => {
    it('It should match strings starting with the prefix', () => {
      const pattern: EventPattern = { time: [{ prefix: '2017-10-02' }] };
      expect(matchesPattern(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
      expect(matchesPattern(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    });

    it('It should select European regions with a prefix', () => {
      const pattern: EventPattern = { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] };
      expect(matchesPattern(pattern, { source: 'aws.autoscaling', region: 'eu-west-1' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.autoscaling', region: 'us-east-1' })).toBe(false);
    });

    it('It should only match string values', () => {
      expect(matchesPattern({ detail: { code: [{ prefix: '12' }] } }, withDetail({ code: 123 }))).toBe(false);
    });

    it('It should ignore case with equals-ignore-case', () => {
      const pattern: EventPattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
      expect(matchesPattern(pattern, withDetail({ service: 'eventbridge' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ service: 'EVENTBRIDGE' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ service: 'sqs' }))).toBe(false);
    });
  });

  describe('suffix', () => {
    it('It should match strings ending with the suffix', () => {
      const pattern: EventPattern = { FileName: [{ suffix: '.png' }] };
      expect(matchesPattern(pattern, { FileName: 'image.png' })).toBe(true);
      expect(matchesPattern(pattern, { FileName: 'image.PNG' })).toBe(false);
      expect(matchesPattern(pattern, { FileName: 'image.jpg' })).toBe(false);
    });

    it('It should ignore case with equals-ignore-case', () => {
      const pattern: EventPattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
      expect(matchesPattern(pattern, withDetail({ FileName: 'image.PNG' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ FileName: 'image.Png' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ FileName: 'image.gif' }))).toBe(false);
    });
  });

  describe('equals-ignore-case', () => {
    const pattern: EventPattern = { Name: [{ 'equals-ignore-case': 'alice' }] };

    it('It should match the value in any casing', () => {
      expect(matchesPattern(pattern, { Name: 'Alice' })).toBe(true);
      expect(matchesPattern(pattern, { Name: 'ALICE' })).toBe(true);
    });

    it('It should not match other strings or non-strings', () => {
      expect(matchesPattern(pattern, { Name: 'Alicia' })).toBe(false);
      expect(matchesPattern({ flag: [{ 'equals-ignore-case': 'true' }] }, { flag: true })).toBe(false);
    });
  });

  describe('wildcard', () => {
    it('It should match a leading wildcard like "*.png"', () => {
      const pattern: EventPattern = { detail: { key: [{ wildcard: '*.png' }] } };
      expect(matchesPattern(pattern, withDetail({ key: 'dir/image.png' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ key: '.png' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ key: 'image.png.bak' }))).toBe(false);
    });

    it('It should match several wildcards like "*Title*"', () => {
      const pattern: EventPattern = { detail: { name: [{ wildcard: '*Title*' }] } };
      expect(matchesPattern(pattern, withDetail({ name: 'The Title Page' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ name: 'The title page' }))).toBe(false);
    });

    it('It should anchor the literal parts around an inner wildcard', () => {
      const pattern: EventPattern = {
        EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }],
      };
      expect(
        matchesPattern(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/leads' }),
      ).toBe(true);
      expect(
        matchesPattern(pattern, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/leads' }),
      ).toBe(false);
    });

    it('It should not let overlapping segments match twice', () => {
      expect(matchesPattern({ v: [{ wildcard: 'ab*ba' }] }, { v: 'aba' })).toBe(false);
      expect(matchesPattern({ v: [{ wildcard: 'ab*ba' }] }, { v: 'abba' })).toBe(true);
    });

    it('It should treat an escaped star as a literal star', () => {
      const pattern: EventPattern = { v: [{ wildcard: 'price\\*' }] };
      expect(matchesPattern(pattern, { v: 'price*' })).toBe(true);
      expect(matchesPattern(pattern, { v: 'price-list' })).toBe(false);
    });

    it('It should only match string values', () => {
      expect(matchesPattern({ v: [{ wildcard: '1*' }] }, { v: 12 })).toBe(false);
    });
  });

  describe('anything-but', () => {
    it('It should match anything except a string', () => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
      expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
    });

    it('It should match anything except a number', () => {
      const pattern: EventPattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
      expect(matchesPattern(pattern, withDetail({ 'x-limit': 124 }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ 'x-limit': 123 }))).toBe(false);
    });

    it('It should match anything except a list of strings', () => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
      expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: 'overloaded' }))).toBe(false);
    });

    it('It should match anything except a list of numbers', () => {
      const pattern: EventPattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
      expect(matchesPattern(pattern, withDetail({ 'x-limit': 150 }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ 'x-limit': 200 }))).toBe(false);
    });

    it('It should exclude events from listed sources', () => {
      const pattern: EventPattern = { source: [{ 'anything-but': ['aws.ec2', 'aws.s3'] }] };
      expect(matchesPattern(pattern, { source: 'leadscore.intake' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.s3' })).toBe(false);
    });

    it('It should exclude a prefix', () => {
      const pattern: EventPattern = { source: [{ 'anything-but': { prefix: 'aws.' } }] };
      expect(matchesPattern(pattern, { source: 'leadscore.intake' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.ec2' })).toBe(false);
    });

    it('It should exclude a suffix', () => {
      const pattern: EventPattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
      expect(matchesPattern(pattern, { FileName: 'notes.txt' })).toBe(true);
      expect(matchesPattern(pattern, { FileName: 'image.png' })).toBe(false);
    });

    it('It should exclude a value in any casing', () => {
      const pattern: EventPattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
      expect(matchesPattern(pattern, { state: 'running' })).toBe(true);
      expect(matchesPattern(pattern, { state: 'INITIALIZING' })).toBe(false);
    });

    it('It should exclude a list of values in any casing', () => {
      const pattern: EventPattern = {
        state: [{ 'anything-but': { 'equals-ignore-case': ['stopped', 'overloaded'] } }],
      };
      expect(matchesPattern(pattern, { state: 'running' })).toBe(true);
      expect(matchesPattern(pattern, { state: 'Stopped' })).toBe(false);
    });

    it('It should exclude a wildcard', () => {
      const pattern: EventPattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
      expect(matchesPattern(pattern, { FilePath: '/usr/bin/node' })).toBe(true);
      expect(matchesPattern(pattern, { FilePath: '/usr/lib/node' })).toBe(false);
    });

    it('It should not match a missing field', () => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
      expect(matchesPattern(pattern, withDetail({}))).toBe(false);
    });

    it('It should match an event array when some element is not excluded', () => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
      expect(matchesPattern(pattern, withDetail({ state: ['initializing', 'running'] }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: ['initializing'] }))).toBe(false);
    });
  });

  describe('numeric', () => {
    const pattern: EventPattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };

    it('It should match when every numeric condition holds', () => {
      expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }))).toBe(
        true,
      );
    });

    it('It should respect open and closed range bounds', () => {
      expect(matchesPattern(pattern, withDetail({ 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 }))).toBe(
        false,
      );
      expect(matchesPattern(pattern, withDetail({ 'c-count': 6, 'd-count': 3, 'x-limit': 301.8 }))).toBe(
        false,
      );
      expect(matchesPattern(pattern, withDetail({ 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 }))).toBe(
        false,
      );
    });

    it('It should match "=" numerically', () => {
      expect(matchesPattern(pattern, withDetail({ 'c-count': 1, 'd-count': 3, 'x-limit': 301.9 }))).toBe(
        false,
      );
      expect(matchesPattern({ Price: [{ numeric: ['=', 100] }] }, { Price: 100.0 })).toBe(true);
    });

    it('It should match a "more than 10 and at most 20" price range', () => {
      const price: EventPattern = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
      expect(matchesPattern(price, { Price: 20 })).toBe(true);
      expect(matchesPattern(price, { Price: 10 })).toBe(false);
      expect(matchesPattern({ Price: [{ numeric: ['>=', 10] }] }, { Price: 10 })).toBe(true);
    });

    it('It should only match JSON numbers', () => {
      expect(matchesPattern(pattern, withDetail({ 'c-count': '5', 'd-count': 3, 'x-limit': 301.8 }))).toBe(
        false,
      );
    });
  });

  describe('cidr', () => {
    const pattern: EventPattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };

    it('It should match IPv4 addresses inside the block', () => {
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.0' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    });

    it('It should not match addresses outside the block or non-addresses', () => {
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.1.1' }))).toBe(false);
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.256' }))).toBe(false);
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: 'example.com' }))).toBe(false);
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: 167772161 }))).toBe(false);
    });

    it('It should handle prefixes that do not fall on a byte boundary', () => {
      const wide: EventPattern = { ip: [{ cidr: '10.0.0.0/8' }] };
      expect(matchesPattern(wide, { ip: '10.200.3.4' })).toBe(true);
      expect(matchesPattern({ ip: [{ cidr: '192.168.0.0/20' }] }, { ip: '192.168.15.1' })).toBe(true);
      expect(matchesPattern({ ip: [{ cidr: '192.168.0.0/20' }] }, { ip: '192.168.16.1' })).toBe(false);
    });

    it('It should match IPv6 addresses', () => {
      const v6: EventPattern = { ip: [{ cidr: '2001:db8::/32' }] };
      expect(matchesPattern(v6, { ip: '2001:db8:0:0:1::1' })).toBe(true);
      expect(matchesPattern(v6, { ip: '2001:0DB8::ffff' })).toBe(true);
      expect(matchesPattern(v6, { ip: '2001:db9::1' })).toBe(false);
      expect(matchesPattern(v6, { ip: '10.0.0.1' })).toBe(false);
    });
  });

  describe('exists', () => {
    const hasState: EventPattern = { detail: { state: [{ exists: true }] } };
    const noCount: EventPattern = { detail: { 'c-count': [{ exists: false }] } };

    it('It should match with exists true when the field is present', () => {
      expect(
        matchesPattern(hasState, { ...ec2Event, detail: { 'instance-id': 'i-abcd1111', state: 'pending' } }),
      ).toBe(true);
    });

    it('It should not match with exists true when the field is absent', () => {
      expect(matchesPattern(hasState, withDetail({ 'c-count': { c1: 100 } }))).toBe(false);
    });

    it('It should match with exists false when the field is absent', () => {
      expect(matchesPattern(noCount, withDetail({ state: ['initializing', 'running'] }))).toBe(true);
      expect(matchesPattern(noCount, { source: 'aws.ec2' })).toBe(true);
    });

    it('It should not match with exists false when the field is present', () => {
      expect(matchesPattern(noCount, withDetail({ 'c-count': 3 }))).toBe(false);
    });

    it('It should only consider leaf nodes', () => {
      expect(matchesPattern(noCount, withDetail({ 'c-count': { c1: 100 } }))).toBe(true);
      expect(
        matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, withDetail({ 'c-count': { c1: 100 } })),
      ).toBe(false);
    });

    it('It should treat a null-valued field as present', () => {
      expect(matchesPattern({ detail: { responseElements: [{ exists: true }] } }, autoScalingEvent)).toBe(
        true,
      );
      expect(matchesPattern({ detail: { responseElements: [{ exists: false }] } }, autoScalingEvent)).toBe(
        false,
      );
    });
  });

  describe('$or', () => {
    it('It should match when any alternative matches, combined with sibling fields', () => {
      const pattern: EventPattern = {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      };
      expect(matchesPattern(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'ReadLatency' })).toBe(true);
      expect(matchesPattern(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/S3' })).toBe(false);
      expect(matchesPattern(pattern, { source: 'aws.ec2', namespace: 'AWS/ES' })).toBe(false);
    });

    it('It should work inside a nested object with content filters', () => {
      const pattern: EventPattern = {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      };
      expect(matchesPattern(pattern, withDetail({ 'c-count': 50, 'x-limit': 301.8 }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ 'c-count': 50, 'd-count': 10, 'x-limit': 1 }))).toBe(false);
    });

    it('It should combine alternatives that hold several fields and nested $or', () => {
      const pattern: EventPattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          {
            metricType: ['MetricType'],
            namespace: ['AWS/EC2'],
            $or: [{ metricId: [1234] }, { spaceId: [1000] }],
          },
        ],
      };
      const base = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' };
      expect(matchesPattern(pattern, { ...base, spaceId: 1000 })).toBe(true);
      expect(matchesPattern(pattern, { ...base, spaceId: 1001 })).toBe(false);
      expect(matchesPattern(pattern, { ...base, namespace: 'AWS/ES', metricId: 1234 })).toBe(false);
    });
  });

  describe('combined operators', () => {
    const pattern: EventPattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const detail = { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 };

    it('It should match when every operator holds', () => {
      expect(matchesPattern(pattern, withDetail(detail, { time: '2017-10-02T16:24:49Z' }))).toBe(true);
    });

    it('It should not match when a single operator fails', () => {
      expect(
        matchesPattern(pattern, withDetail({ ...detail, 'x-limit': 200 }, { time: '2017-10-02T16:24:49Z' })),
      ).toBe(false);
      expect(matchesPattern(pattern, withDetail(detail, { time: '2017-10-03T16:24:49Z' }))).toBe(false);
    });
  });
});

describe('validatePattern', () => {
  it('It should accept the documented patterns', () => {
    const valid: EventPattern[] = [
      {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['x'] },
      },
      { detail: { eventVersion: [''], responseElements: [null] } },
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }], n: [{ suffix: '.png' }] } },
      { state: [{ 'anything-but': { 'equals-ignore-case': ['stopped', 'overloaded'] } }] },
      { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }], v: [{ wildcard: 'a\\*b\\\\c*' }] },
      { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
      { detail: { ip: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }], c: [{ exists: false }] } },
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    ];
    for (const pattern of valid) expect(validatePattern(pattern)).toEqual([]);
  });

  it('It should report an unknown operator with its path', () => {
    expect(validatePattern({ detail: { state: ['running', { contains: 'init' }] } })).toEqual([
      'detail.state[1]: unknown operator "contains"',
    ]);
  });

  it('It should report an empty value list', () => {
    expect(validatePattern({ source: [] })).toEqual(['source: must not be an empty array']);
  });

  it('It should report a bare value instead of a value list', () => {
    expect(validatePattern({ source: 'aws.ec2' })).toEqual([
      'source: must be an array of values or a nested pattern object',
    ]);
  });

  it('It should report patterns that are not non-empty objects', () => {
    expect(validatePattern(['source'])).toEqual(['pattern: must be a JSON object']);
    expect(validatePattern({})).toEqual(['pattern: must not be empty']);
    expect(validatePattern({ detail: {} })).toEqual(['detail: must not be empty']);
  });

  it('It should report malformed operator objects and values', () => {
    expect(validatePattern({ a: [{ prefix: 'x', suffix: 'y' }] })).toEqual([
      'a[0]: operator object must have exactly one key, got prefix, suffix',
    ]);
    expect(validatePattern({ a: [['nested']] })).toEqual([
      'a[0]: nested arrays are not allowed in a value list',
    ]);
    expect(validatePattern({ a: [{ prefix: 3 }] })[0]).toContain('"prefix" takes a string');
    expect(validatePattern({ a: [{ exists: 'yes' }] })[0]).toContain('"exists" takes true or false');
    expect(validatePattern({ a: [{ 'equals-ignore-case': ['x'] }] })[0]).toContain('takes a string');
  });

  it('It should report invalid numeric conditions', () => {
    expect(validatePattern({ a: [{ numeric: ['>', 'zero'] }] })[0]).toContain('finite numbers');
    expect(validatePattern({ a: [{ numeric: ['!=', 1] }] })[0]).toContain('unknown numeric operator "!="');
    expect(validatePattern({ a: [{ numeric: ['<', 5, '>', 1] }] })[0]).toContain('lower bound');
    expect(validatePattern({ a: [{ numeric: ['>', 5, '<', 5] }] })[0]).toContain('range is empty');
    expect(validatePattern({ a: [{ numeric: ['>', 1, '<'] }] })[0]).toContain('"numeric" takes');
  });

  it('It should report invalid wildcards', () => {
    expect(validatePattern({ a: [{ wildcard: 'a**b' }] })[0]).toContain('consecutive wildcard');
    expect(validatePattern({ a: [{ wildcard: 'a\\d' }] })[0]).toContain('backslash');
  });

  it('It should report invalid anything-but operands', () => {
    expect(validatePattern({ a: [{ 'anything-but': ['x', 1] }] })[0]).toContain(
      'only strings or only numbers',
    );
    expect(validatePattern({ a: [{ 'anything-but': [] }] })[0]).toContain('must not be empty');
    expect(validatePattern({ a: [{ 'anything-but': { prefix: ['x', 'y'] } }] })).toEqual([]);
    expect(validatePattern({ a: [{ 'anything-but': { prefix: '' } }] })[0]).toContain('must not be empty');
    expect(validatePattern({ a: [{ 'anything-but': { suffix: ['x', ''] } }] })[0]).toContain(
      'must not be empty',
    );
    expect(validatePattern({ a: [{ 'anything-but': { prefix: 3 } }] })[0]).toContain('list of strings');
    expect(validatePattern({ a: [{ 'anything-but': { numeric: ['>', 1] } }] })[0]).toContain('only nests');
  });

  it('It should report invalid CIDR blocks', () => {
    expect(validatePattern({ ip: [{ cidr: '10.0.0.0/33' }] })[0]).toContain('"cidr" takes');
    expect(validatePattern({ ip: [{ cidr: '10.0.0/24' }] })[0]).toContain('"cidr" takes');
  });

  it('It should report a malformed $or', () => {
    expect(validatePattern({ $or: [{ a: ['x'] }] })).toEqual([
      '$or: must be an array of at least two patterns',
    ]);
    expect(validatePattern({ detail: { $or: [{ a: ['x'] }, 'b'] } })).toEqual([
      'detail.$or[1]: must be a pattern object',
    ]);
    expect(validatePattern({ $or: [{ a: [] }, { b: ['x'] }] })).toEqual([
      '$or[0].a: must not be an empty array',
    ]);
  });

  it('It should report every problem, not just the first', () => {
    expect(validatePattern({ a: [], b: [{ bogus: 1 }], c: { d: 'e' } })).toHaveLength(3);
  });
});

describe('patterns given as JSON text, as PutRule takes them', () => {
  it('It should match and validate the text of a rule like the object', () => {
    const text =
      '{ "source": ["aws.ec2"], "detail": { "state": [{ "anything-but": { "prefix": ["init", "stop"] } }] } }';
    expect(validatePattern(text)).toEqual([]);
    expect(matchesPattern(text, { source: 'aws.ec2', detail: { state: 'running' } })).toBe(true);
    expect(matchesPattern(text, { source: 'aws.ec2', detail: { state: 'stopping' } })).toBe(false);
  });

  it('It should reject text that is not JSON, and match nothing with it', () => {
    expect(validatePattern('{ "source": [')[0]).toContain('pattern: is not valid JSON');
    expect(matchesPattern('{ "source": [', { source: 'aws.ec2' })).toBe(false);
    expect(validatePattern('["aws.ec2"]')).toEqual(['pattern: must be a JSON object']);
  });

  it('It should count the size of the text as written, whitespace included', () => {
    const compact = JSON.stringify({ a: ['x'.repeat(1900)] });
    expect(validatePattern(compact)).toEqual([]);
    const spaced = compact.replace('[', `[${' '.repeat(200)}`);
    expect(validatePattern(spaced)[0]).toContain('EventBridge allows at most 2048');
  });

  it('It should not throw on a pattern that cannot be JSON', () => {
    const cyclic: Record<string, unknown> = { a: ['x'] };
    cyclic.self = cyclic;
    expect(validatePattern(cyclic)[0]).toContain('pattern: is not JSON');
    expect(matchesPattern(cyclic as EventPattern, { a: 'x' })).toBe(false);
  });
});

describe('array-consistent matching on large events', () => {
  it('It should decide fields spread over 30,000 array elements in one walk', () => {
    const items = Array.from({ length: 30_000 }, (_, i) =>
      i % 3 === 0 ? { a: 1 } : i % 3 === 1 ? { b: 1 } : { c: 1 },
    );
    const pattern: EventPattern = { items: { a: [1], b: [1], c: [1] } };
    const started = performance.now();
    expect(matchesPattern(pattern, { items })).toBe(false);
    expect(matchesPattern(pattern, { items: [...items, { a: 1, b: 1, c: 1 }] })).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
