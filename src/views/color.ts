// Whether to colour a stream: only a terminal gets escape codes, so pipes, files and CI logs
// stay clean. picocolors alone also colours whenever CI is set, which a log file does not want.

/** NO_COLOR (no-color.org) wins, then FORCE_COLOR, then: is it a terminal that is not dumb. */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
