// Which daemon wrote a syslog line decides how its message is read, whatever file it sits
// in: /var/log/messages mixes pure-ftpd with cron and sshd, so every syslog reader
// interprets each line by its program, not by what the file's first lines looked like.
// The same goes for the mail joins: every syslog reader joins postfix and sendmail lines
// by queue id through `createProgramAssembler`.
import type { LogEvent, ParseItem } from '../src/event.js';
import { interpretPostfix, PostfixJoin } from './postfix.js';
import { interpretPureFtpd, isPureFtpdProgram } from './pure-ftpd.js';
import { interpretProftpd, isProftpdProgram } from './proftpd.js';
import { interpretSendmail, isSendmailProgram, SendmailJoin } from './sendmail.js';
import type { SyslogAssembler } from './syslog.js';
import type { SyslogHeader } from './syslog-header.js';
import { interpretVsftpd, isVsftpdProgram } from './vsftpd.js';

export function interpretKnownPrograms(header: SyslogHeader, event: LogEvent): void {
  const program = header.program;
  if (program === undefined) return;
  if (program.startsWith('postfix')) interpretPostfix(header, event);
  else if (isPureFtpdProgram(program)) interpretPureFtpd(header, event);
  else if (isProftpdProgram(program)) interpretProftpd(header, event);
  else if (isVsftpdProgram(program)) interpretVsftpd(header, event);
  else if (isSendmailProgram(program)) interpretSendmail(header, event);
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
