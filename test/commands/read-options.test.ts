// The read flags every input-reading command shares (--tz, --year, --date, --format).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFlowlinkError } from '../../src/errors.js';
import { parseInstant, readOptionsFrom } from '../../src/commands/read-options.js';

describe('readOptionsFrom', () => {
  it('one zone for all inputs, FILE=ZONE and FILE=FORMAT for one, year and date read', () => {
    const { options, zone } = readOptionsFrom({
      tz: ['America/New_York', 'maillog=Europe/Berlin'],
      year: '2008',
      date: '2008-03-08',
      format: ['messages=pure-ftpd', 'syslog'],
    });
    assert.equal(zone, 'America/New_York');
    assert.equal(options.zone, 'America/New_York');
    assert.deepEqual([...options.zoneFor!], [['maillog', 'Europe/Berlin']]);
    assert.deepEqual([options.year, options.date], [2008, { year: 2008, month: 3, day: 8 }]);
    assert.deepEqual([options.format, [...options.formatFor!]], ['syslog', [['messages', 'pure-ftpd']]]);
  });

  it('without --tz stamps are read in the system zone and no display zone is named', () => {
    const { options, zone } = readOptionsFrom({ tz: [] });
    assert.equal(zone, undefined);
    assert.equal(typeof options.zone, 'string');
    assert.equal(options.year, undefined);
  });

  it('bad values are user errors naming the flag and the value', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => readOptionsFrom({ tz: [], year: '08' }), /^--year '08' is not a year/],
      [() => readOptionsFrom({ tz: ['Mars/Olympus'] }), /unknown time zone 'Mars\/Olympus'/],
      [() => readOptionsFrom({ tz: [], format: ['pureftpd'] }), /^--format 'pureftpd' is not a format \(did you mean pure-ftpd\?\)/],
      [() => parseInstant('--since', 'yesterday', 'UTC'), /^--since 'yesterday' is not a time/],
    ];
    for (const [run, message] of cases) {
      assert.throws(run, (error: unknown) => isFlowlinkError(error) && message.test((error as Error).message));
    }
  });

  it('--since in the display zone unless the text has an offset', () => {
    assert.equal(parseInstant('--since', '2008-03-08T03:30', 'America/New_York'), Date.parse('2008-03-08T08:30:00Z') * 1000);
    assert.equal(parseInstant('--since', '2008-03-08T03:30Z', 'America/New_York'), Date.parse('2008-03-08T03:30:00Z') * 1000);
  });
});
