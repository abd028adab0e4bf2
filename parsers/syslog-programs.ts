// Which daemon wrote a syslog line decides how its message is read, whatever file it sits
// in: /var/log/messages mixes pure-ftpd with cron and sshd, so every syslog reader
// interprets each line by its program, not by what the file's first lines looked like.
import type { LogEvent } from '../src/event.js';
import { interpretPureFtpd, isPureFtpdProgram } from './pure-ftpd.js';
import type { SyslogHeader } from './syslog-header.js';

export function interpretKnownPrograms(header: SyslogHeader, event: LogEvent): void {
  if (isPureFtpdProgram(header.program)) interpretPureFtpd(header, event);
}
