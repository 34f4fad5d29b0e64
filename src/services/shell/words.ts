// The shell's reading of a command line: words separated by blanks, with '...' (taken as is) and
// "..." (backslash escapes \" and \\) quoting, `#` starting a comment, `|` joining commands into a
// pipeline, a trailing `&` (run in the background) and `> FILE` / `>> FILE` (write or append the
// output to a file).
// Rules for callers: `readLine` returns the command or a sentence saying what is wrong with the
// line; an empty line is a command with no words.
// Invariants: no word is ever lost or split inside quotes; no stage of a pipeline is empty.

export interface CommandLine {
  /** The first (or only) command's words. */
  readonly words: readonly string[];
  /** Every command of a pipeline (`cat a.txt | wc`), in order; one for a plain command. */
  readonly stages: readonly (readonly string[])[];
  readonly background: boolean;
  /** Where the output goes instead of the terminal: a path as written, and whether to append. */
  readonly redirect: { readonly path: string; readonly append: boolean } | null;
}

/** Splits a line into words; null words are impossible, quotes are removed. */
function split(line: string): string[] | string {
  const words: string[] = [];
  let w = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === "'" || c === '"') {
      const end = c === "'" ? line.indexOf("'", i + 1) : closing(line, i + 1);
      if (end < 0) return `an unclosed ${c} quote`;
      const inner = line.slice(i + 1, end);
      w += c === "'" ? inner : inner.replace(/\\(["\\])/g, '$1');
      inWord = true;
      i = end;
    } else if (c === ' ' || c === '\t') {
      if (inWord) { words.push(w); w = ''; inWord = false; }
    } else if (c === '#' && !inWord) {
      break;
    } else if ((c === '>' || c === '&' || c === '|') && !inWord) {
      const op = c === '>' && line.charAt(i + 1) === '>' ? '>>' : c;
      words.push(`\u0000${op}`);
      i += op.length - 1;
    } else {
      w += c;
      inWord = true;
    }
  }
  if (inWord) words.push(w);
  return words;
}

function closing(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === '\\') { i++; continue; }
    if (c === '"') return i;
  }
  return -1;
}

export function readLine(line: string): CommandLine | string {
  const raw = split(line);
  if (typeof raw === 'string') return raw;
  const stages: string[][] = [[]];
  let words = stages[0] as string[];
  let background = false;
  let redirect: CommandLine['redirect'] = null;
  for (let i = 0; i < raw.length; i++) {
    const w = raw[i] as string;
    if (w === '\u0000&') {
      if (i !== raw.length - 1) return '& goes at the end of a command';
      background = true;
    } else if (w === '\u0000>' || w === '\u0000>>') {
      const target = raw[i + 1];
      if (target === undefined || target.startsWith('\u0000')) return `${w.slice(1)} needs a file to write to`;
      if (redirect !== null) return 'one redirection a command';
      redirect = { path: target, append: w === '\u0000>>' };
      i++;
    } else if (w === '\u0000|') {
      if (words.length === 0 || redirect !== null) return '| goes between two commands (and a redirection after the last)';
      words = [];
      stages.push(words);
    } else {
      words.push(w);
    }
  }
  if (words.length === 0 && stages.length > 1) return '| needs a command after it';
  if (words.length === 0 && (background || redirect !== null)) return 'a redirection or & needs a command';
  if (stages.length > 1 && background) return 'a pipeline runs in the foreground (no &)';
  return { words: stages[0] as string[], stages, background, redirect };
}
