// Which daemon wrote a syslog line decides how its message is read, whatever file it sits
// in: /var/log/messages mixes pure-ftpd with cron and sshd, so every syslog reader
// interprets each line by its program, not by what the file's first lines looked like.
// The same goes for the mail joins: every syslog reader joins postfix and sendmail lines
// by queue id through `createProgramAssembler`.
import type { LogEvent, ParseItem } from '../src/event.js';
import { interpretPostfix, PostfixJoin, postfixDaemon } from './postfix.js';
import { interpretPureFtpd, isPureFtpdProgram } from './pure-ftpd.js';
import { interpretProftpd, isProftpdProgram } from './proftpd.js';
import { interpretSendmail, isSendmailProgram, SendmailJoin } from './sendmail.js';
import type { SyslogAssembler } from './syslog.js';
import type { SyslogHeader } from './syslog-header.js';
import { interpretVsftpd, isVsftpdProgram } from './vsftpd.js';

export function interpretKnownPrograms(header: SyslogHeader, event: LogEvent): void {
  const program = header.program ?? bareKnownProgram(header, event);
  if (program === undefined) return;
  if (program.startsWith('postfix')) interpretPostfix(header, event);
  else if (isPureFtpdProgram(program)) interpretPureFtpd(header, event);
  else if (isProftpdProgram(program)) interpretProftpd(header, event);
  else if (isVsftpdProgram(program)) interpretVsftpd(header, event);
  else if (isSendmailProgram(program)) interpretSendmail(header, event);
}

/**
 * A tag without `:` or `[pid]` (`host pure-ftpd (user@ip) ...`): rsyslog's syslogtag of a
 * message it received as RFC 5424 is APP-NAME[PROCID] without a colon, so its traditional and
 * RFC 3339 file templates write it so when there is no PROCID. Taken as the program only
 * when it names a daemon flowlink reads (else `host just a message` would lose a word);
 * then it is moved from the message to the program, in `header` and `event`.
 */
function bareKnownProgram(header: SyslogHeader, event: LogEvent): string | undefined {
  const message = header.message;
  const sp = message.indexOf(' ');
  if (sp < 2) return undefined;
  const word = message.slice(0, sp);
  if (!(isPureFtpdProgram(word) || isProftpdProgram(word) || isVsftpdProgram(word) || isSendmailProgram(word) || postfixDaemon(word) !== undefined)) return undefined;
  header.program = event.program = word;
  header.message = event.message = message.slice(sp + 1);
  return word;
}

/**
 * The per-file assembler every syslog reader uses: each event is emitted as it comes, and
 * the mail joins add their delivery events after the line that completes a message.
 */
export function createProgramAssembler(): SyslogAssembler {
  const postfix = new PostfixJoin();
  const sendmail = new SendmailJoin();
  return {
    take(event: LogEvent, out: ParseItem[]) {
      postfix.tick(event, out);
      sendmail.tick(event, out);
      out.push(event);
      if (event.service === 'mail') {
        postfix.take(event, out);
        sendmail.take(event, out);
      }
    },
    flush(out: ParseItem[]) {
      postfix.flush(out);
      sendmail.flush(out);
    },
    oldestHeld() {
      const a = postfix.oldestOpenTs();
      const b = sendmail.oldestOpenTs();
      return a === undefined ? b : b === undefined || a < b ? a : b;
    },
  };
}
