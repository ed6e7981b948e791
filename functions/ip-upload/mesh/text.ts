import { MeshValidationError } from './types.ts';

/**
 * Splits a byte stream into lines, whatever the chunk boundaries. Lines are decoded as latin1:
 * the grammars we read are ASCII, and latin1 maps every byte to one character, so a stray
 * UTF-8 name can never make decoding fail or shift positions.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: string, lineNumber: number) => void;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #lineNumber = 0;

  constructor(maxLineBytes: number, onLine: (line: string, lineNumber: number) => void) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
  }

  write(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      this.#checkLength(this.#partialBytes + newline - start);
      let line: string;
      if (this.#partialBytes > 0) {
        this.#partial.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.#partial).toString('latin1');
        this.#partial = [];
        this.#partialBytes = 0;
      } else {
        line = chunk.toString('latin1', start, newline);
      }
      this.#emit(line);
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.#checkLength(this.#partialBytes + chunk.length - start);
      // Copied: the caller may reuse its buffer once write returns.
      this.#partial.push(Buffer.from(chunk.subarray(start)));
      this.#partialBytes += chunk.length - start;
    }
  }

  /** Emits a last line that had no newline. */
  end(): void {
    if (this.#partialBytes === 0) return;
    const line = Buffer.concat(this.#partial).toString('latin1');
    this.#partial = [];
    this.#partialBytes = 0;
    this.#emit(line);
  }

  #emit(line: string): void {
    this.#lineNumber++;
    this.#onLine(line.endsWith('\r') ? line.slice(0, -1) : line, this.#lineNumber);
  }

  #checkLength(bytes: number): void {
    if (bytes > this.#maxLineBytes) {
      throw new MeshValidationError(
        'line-too-long',
        `Line ${this.#lineNumber + 1} is longer than ${this.#maxLineBytes} bytes; the file is probably not a text model file.`,
      );
    }
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_A_NUMBER = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Parses a decimal as written in model files. `undefined` means "not a number at all" (a syntax
 * error); NaN or ±Infinity come back as such so the caller can report a non-finite coordinate.
 * `Number()` alone is too lenient: it reads "", "0x10" and " 1 " as numbers.
 */
export function parseDecimal(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  if (NOT_A_NUMBER.test(text))
    return text.toLowerCase().includes('nan') ? Number.NaN : Number.POSITIVE_INFINITY;
  return undefined;
}
