// Writing the HTML report: the one place it touches the disk, so a bad path is a user error.
import { writeFileSync } from 'node:fs';
import type { BinSeries } from '../event.js';
import { InputError } from '../errors.js';
import type { Report } from './json.js';
import { renderHtml } from './html.js';

export function writeHtmlReport(file: string, report: Report, series: BinSeries): void {
  try {
    writeFileSync(file, renderHtml(report, series));
  } catch (error) {
    throw new InputError(`cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'give --html a path in a folder you can write to');
  }
}
