// Detection for line formats: how many of a file's first non-blank lines a format reads.

export function lineShare(headLines: string[], reads: (line: string) => unknown): number {
  let lines = 0;
  let hits = 0;
  for (const line of headLines) {
    if (line.trim() === '') continue;
    lines++;
    if (reads(line)) hits++;
  }
  return lines === 0 ? 0 : hits / lines;
}
