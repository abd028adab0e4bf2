import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { LogEvent } from '../../src/event.js';
import { ClockText, eventJson, eventLine, IsoClock, ZoneOffsets } from '../../src/views/event-lines.js';
import { formatIso } from '../../src/time.js';

const MIN_MS = 60_000;

describe('ClockText and ZoneOffsets', () => {
  it('equal luxon minute by minute across DST changes, half-hour shifts and a 30-minute zone', () => {
    const cases: [string, string][] = [
      ['America/New_York', '2008-03-09T04:00Z'], // spring forward at 07:00Z
      ['America/New_York', '2008-11-02T04:00Z'], // fall back at 06:00Z: 01:xx twice
      ['Australia/Lord_Howe', '2008-04-05T13:00Z'], // DST ends by 30 minutes, at 15:00Z
      ['Asia/Kolkata', '2008-03-08T00:00Z'],
      ['Europe/Berlin', '2008-10-26T00:00Z'],
    ];
    for (const [zone, from] of cases) {
      const clock = new ClockText(zone);
      const start = DateTime.fromISO(from).toMillis();
      for (let m = 0; m < 6 * 60; m += 1) {
        const ms = start + m * MIN_MS + 17_000;
        const expected = DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
        assert.equal(clock.format(ms * 1000), expected, `${zone} at ${new Date(ms).toISOString()}`);
      }
    }
  });

  it('shows the repeated hour of a fall-back twice, an hour apart in UTC', () => {
    const clock = new ClockText('America/New_York');
    const first = Date.parse('2008-11-02T05:30:00Z');
    assert.equal(clock.format(first * 1000), '2008-11-02 01:30:00');
    assert.equal(clock.format((first + 3_600_000) * 1000), '2008-11-02 01:30:00');
    assert.equal(new ZoneOffsets('America/New_York').at(first), -4 * 3_600_000);
  });

  it('prints a fraction only when the stamp has one', () => {
    const clock = new ClockText('UTC');
    const us = Date.parse('2026-12-01T20:01:02Z') * 1000;
    assert.equal(clock.format(us), '2026-12-01 20:01:02');
    assert.equal(clock.format(us + 123456), '2026-12-01 20:01:02.123456');
  });
});

describe('eventLine', () => {
  const origin = { file: 'maillog', line: 7, raw: 'Mar 22 18:20:41 mx postfix/smtp[22601]: AA10A2839B: to=<support@example.net>, ...' };
  const mail: LogEvent = {
    kind: 'log', ts: Date.parse('2008-03-22T18:20:41Z') * 1000, service: 'mail', action: 'sent', host: 'mx', program: 'postfix/smtp', pid: 22601,
    fields: { daemon: 'smtp', queue_id: 'AA10A2839B', to: 'support@example.net', relay_ip: '198.51.100.55', status: 'sent', delay: 12 },
    message: 'AA10A2839B: to=<support@example.net>, ...', origin,
  };

  it('shows service, action and the fields that say who, where and how much, in a fixed order', () => {
    assert.equal(eventLine(mail, new ClockText('UTC')), '2008-03-22 18:20:41  maillog:7  mail sent to=support@example.net relay_ip=198.51.100.55 status=sent queue_id=AA10A2839B');
  });

  it('shows host, program[pid] and the message of a generic syslog event', () => {
    const e: LogEvent = { ...mail, service: 'syslog', action: undefined, program: 'CRON', pid: 9311, fields: {}, message: '(backup) CMD (/usr/local/bin/nightly-backup.sh)' };
    assert.equal(eventLine(e, new ClockText('UTC')), '2008-03-22 18:20:41  maillog:7  syslog  mx CRON[9311]: (backup) CMD (/usr/local/bin/nightly-backup.sh)');
  });

  it('JSON has the time in UTC with microseconds, the raw text, host, program and pid', () => {
    const o = JSON.parse(eventJson(mail));
    assert.deepEqual([o.time, o.file, o.line, o.text, o.action, o.fields.queue_id, o.host, o.program, o.pid], ['2008-03-22T18:20:41.000000Z', 'maillog', 7, origin.raw, 'sent', 'AA10A2839B', 'mx', 'postfix/smtp', 22601]);
  });

  it('JSON with the cached clock is the same text as through logJson and formatIso, fractions and seconds alike', () => {
    const clock = new IsoClock();
    const base = Date.parse('2008-12-31T23:59:58Z') * 1000;
    // Within a second, across seconds, a minute, the year's end, and back again (the cache must follow).
    const offsets = [0, 1, 999_999, 1_000_000, 1_500_000, 2_000_001, 62_000_000, -3_000_000, 0, 123_456];
    for (const d of offsets) {
      const e: LogEvent = { ...mail, ts: base + d, action: d % 2 ? undefined : 'sent' };
      assert.equal(eventJson(e, clock), eventJson(e), `at +${d} us`);
      assert.equal(clock.format(e.ts), formatIso(e.ts));
    }
  });
});
