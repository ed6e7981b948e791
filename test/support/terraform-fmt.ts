/**
 * The layout rules of `terraform fmt` (hclwrite's formatter) that hand-written HCL breaks most,
 * checked without a terraform binary:
 *
 * - indentation: two spaces per open bracket level, counted the way hclwrite counts (a line that
 *   opens brackets indents the lines after it, a line that closes them is outdented itself);
 * - alignment: in a run of consecutive single-line attribute assignments, every `=` sits one
 *   space after the longest name. A blank line, a comment line, a nested block line or a
 *   multi-line value ends the run;
 * - one space after `=`, no tabs, no trailing whitespace.
 *
 * Heredocs and block comments are not understood; the Terraform here has neither, and a file that
 * uses them is reported rather than guessed at.
 */
export function terraformFmtFindings(file: string, text: string): string[] {
  const findings: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const scanned = lines.map((line) => scanLine(line));
  const indents: number[] = [];
  let run: { index: number; leadEnd: number; equals: number }[] = [];

  const closeRun = () => {
    if (run.length > 0) {
      const column = Math.max(...run.map((entry) => entry.leadEnd)) + 1;
      for (const entry of run) {
        if (entry.equals !== column) {
          findings.push(
            `${file}:${entry.index + 1}: "=" at column ${entry.equals + 1}, terraform fmt aligns this run at ${column + 1}`,
          );
        }
      }
    }
    run = [];
  };

  scanned.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const raw = lines[index] as string;
    if (line.unsupported) findings.push(`${where}: ${line.unsupported} (not checked here)`);
    if (raw.includes('\t')) findings.push(`${where}: tab character`);
    if (/\s$/.test(raw)) findings.push(`${where}: trailing whitespace`);

    // Indentation, as hclwrite's formatIndent computes it.
    if (raw.trim() !== '') {
      let expected = 2 * indents.length;
      if (line.netBrackets > 0) {
        indents.push(line.netBrackets);
      } else if (line.netBrackets < 0) {
        let closed = -line.netBrackets;
        while (closed > 0 && indents.length > 0) {
          const top = indents[indents.length - 1] as number;
          if (closed >= top) {
            closed -= top;
            indents.pop();
          } else {
            indents[indents.length - 1] = top - closed;
            closed = 0;
          }
        }
        expected = 2 * indents.length;
      }
      const actual = raw.length - raw.trimStart().length;
      if (actual !== expected)
        findings.push(`${where}: indented ${actual} spaces, terraform fmt uses ${expected}`);
    }

    // Alignment of `=` within a run of single-line assignments.
    if (line.equals === undefined) {
      closeRun();
      return;
    }
    run.push({ index, leadEnd: raw.slice(0, line.equals).trimEnd().length, equals: line.equals });
    if (raw.length > line.equals + 1 && !/^= \S/.test(raw.slice(line.equals))) {
      findings.push(`${where}: one space after "=", as terraform fmt writes it`);
    }
  });
  closeRun();
  return findings;
}

interface ScannedLine {
  /** Index of the assignment's `=`, when the line is a single-line attribute (brackets balance after it). */
  readonly equals?: number;
  /** Open minus close brackets outside strings and comments (string interpolations balance on one line). */
  readonly netBrackets: number;
  readonly unsupported?: string;
}

const OPENERS = '{([';
const CLOSERS = '})]';

function scanLine(line: string): ScannedLine {
  // Code positions only: string contents (interpolations included) and comments are blanked.
  let code = '';
  let inString = false;
  let interpolation = 0;
  let unsupported: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    const next = line[i + 1];
    if (inString) {
      if (interpolation === 0) {
        if (char === '\\') {
          code += '  ';
          i++;
        } else if (char === '"') {
          inString = false;
          code += '"';
        } else if ((char === '$' || char === '%') && next === '{') {
          interpolation = 1;
          code += '  ';
          i++;
        } else {
          code += ' ';
        }
      } else {
        // Inside ${...}: nested strings are rare and balanced; track braces only.
        if (char === '{') interpolation++;
        if (char === '}') interpolation--;
        code += ' ';
      }
      continue;
    }
    if (char === '#' || (char === '/' && next === '/')) break;
    if (char === '/' && next === '*') {
      unsupported = 'block comment';
      break;
    }
    if (char === '<' && next === '<') {
      unsupported = 'heredoc';
      break;
    }
    if (char === '"') inString = true;
    code += char;
  }

  let netBrackets = 0;
  let equals: number | undefined;
  let afterEquals = 0;
  const firstToken = code.search(/\S/);
  for (let i = 0; i < code.length; i++) {
    const char = code[i] as string;
    if (OPENERS.includes(char)) netBrackets++;
    if (CLOSERS.includes(char)) netBrackets--;
    if (equals === undefined && char === '=' && i > firstToken) {
      const before = code[i - 1];
      const after = code[i + 1];
      const operator =
        after === '=' ||
        after === '>' ||
        before === '=' ||
        before === '!' ||
        before === '<' ||
        before === '>';
      if (!operator) {
        equals = i;
        afterEquals = netBrackets;
      }
    }
  }
  // hclwrite treats `name = {` (a value continuing on later lines) as no assignment at all.
  const singleLine = equals !== undefined && netBrackets - afterEquals === 0;
  return {
    ...(singleLine ? { equals } : {}),
    netBrackets,
    ...(unsupported ? { unsupported } : {}),
  };
}
