// Every user-facing failure is a FlowlinkError: a message built from facts, a hint,
// and the exit code the CLI maps it to. Anything else reaching the CLI is a bug.

export class FlowlinkError extends Error {
  override name = 'FlowlinkError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function isFlowlinkError(error: unknown): error is FlowlinkError {
  return error instanceof FlowlinkError;
}

export class InputError extends FlowlinkError {
  override name = 'InputError';
}

export class UnknownFormatError extends FlowlinkError {
  override name = 'UnknownFormatError';
  constructor(file: string, tried: string[], hint = 'run `flowlink formats` to see what flowlink reads') {
    super(`${file}: unknown format (tried ${tried.join(', ')})`, hint);
  }
}

export class TimeContextError extends FlowlinkError {
  override name = 'TimeContextError';
}

export class RuleSyntaxError extends FlowlinkError {
  override name = 'RuleSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
    readonly sourceLine: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }

  /** The message with the offending line and a caret under the column. */
  get detailed(): string {
    const caret = ' '.repeat(Math.max(0, this.column - 1)) + '^';
    return `${this.message}\n  ${this.sourceLine}\n  ${caret}`;
  }
}

/** A mistake in a `--filter` expression: the column and length of the offending word. */
export class FilterSyntaxError extends FlowlinkError {
  override name = 'FilterSyntaxError';
  constructor(
    readonly filter: string,
    readonly column: number,
    readonly length: number,
    readonly reason: string,
  ) {
    super(`--filter, column ${column}: ${reason}`);
  }

  /** The message with the filter and carets under the offending word. */
  get detailed(): string {
    return `${this.message}\n  ${this.filter}\n  ${' '.repeat(Math.max(0, this.column - 1))}${'^'.repeat(Math.max(1, this.length))}`;
  }
}
