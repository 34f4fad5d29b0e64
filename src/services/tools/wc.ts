// wc: counts the lines, words and bytes (UTF-8) of its input, or of each file given, and prints
// them as `lines words bytes [name]` (and a total for more than one file). A tool (../shared/stdio.ts).
// Rules: exit 0 when everything was counted, 1 when a file could not be read (said on the
// console), 2 for bad words.
import { defineProgram, str } from 'sing/runtime';
import { Pipe } from 'sing/contracts/pipe';
import { readPieces } from '../shared/fs-calls.ts';
import { resolve } from '../shared/paths.ts';
import { drain, emit, finish, refuse, wordsOf } from '../shared/stdio.ts';

interface Counts { lines: number; words: number; bytes: number; inWord: boolean }

function count(c: Counts, text: string): void {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u === 10) c.lines++;
    const space = u === 32 || (u >= 9 && u <= 13);
    if (!space && !c.inWord) c.words++;
    c.inWord = !space;
    // UTF-8 length of the unit: a surrogate pair is 4 bytes, 2 per half
    c.bytes += u < 0x80 ? 1 : u < 0x800 ? 2 : u >= 0xd800 && u <= 0xdfff ? 2 : 3;
  }
}

function row(c: Counts, name: string): string {
  return `${String(c.lines).padStart(7)} ${String(c.words).padStart(7)} ${String(c.bytes).padStart(7)}${name === '' ? '' : ` ${name}`}\n`;
}

export default defineProgram({
  name: 'wc',
  version: '1.0.0',
  parameters: { cwd: str, args: str },
  endpoints: { stdin: Pipe.imp(), stdout: Pipe.exp() },
  resources: { exchangeHeap: '256KiB', files: { '/fs/**': 'read' } },
  console: true,
  async main({ abi, params, stdin, stdout, console }) {
    const words = wordsOf(params.args);
    if (typeof words === 'string') return refuse('wc', words, stdin, stdout, console);
    if (words.length === 0) {
      const c: Counts = { lines: 0, words: 0, bytes: 0, inWord: false };
      await drain(stdin, (piece) => { count(c, piece); });
      finish(await emit(abi, stdout, row(c, '')), 0);
      return 0;
    }
    stdin.close();
    const total: Counts = { lines: 0, words: 0, bytes: 0, inWord: false };
    let text = '';
    let status = 0;
    for (const f of words) {
      const c: Counts = { lines: 0, words: 0, bytes: 0, inWord: false };
      try {
        await readPieces(abi, resolve(params.cwd, f), (piece) => { count(c, piece); return true; });
      } catch (e) {
        console.error(`wc: ${e instanceof Error ? e.message : String(e)}`);
        status = 1;
        continue;
      }
      text += row(c, f);
      total.lines += c.lines;
      total.words += c.words;
      total.bytes += c.bytes;
    }
    if (words.length > 1) text += row(total, 'total');
    finish(await emit(abi, stdout, text), status);
    return status;
  },
});
