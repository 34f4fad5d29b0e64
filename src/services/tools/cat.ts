// cat: writes files (or, given none, its input) to its output, in order. A tool (../shared/stdio.ts): files
// are read a piece at a time over the file system's contracts and each piece goes down the pipe as
// it is read, so `cat big.txt | wc` never holds the whole file.
// Rules: exit 0 when every file was read, 1 when one could not be (said on the console; the rest
// are still written), 2 for bad words.
import { defineProgram, str } from 'sing/runtime';
import { Pipe } from 'sing/contracts/pipe';
import { readPieces } from '../shared/fs-calls.ts';
import { resolve } from '../shared/paths.ts';
import { drain, emit, finish, wordsOf, type Out } from '../shared/stdio.ts';

export default defineProgram({
  name: 'cat',
  version: '1.0.0',
  parameters: { cwd: str, args: str },
  endpoints: { stdin: Pipe.imp(), stdout: Pipe.exp() },
  resources: { exchangeHeap: '256KiB', files: { '/fs/**': 'read' } },
  console: true,
  async main({ abi, params, stdin, stdout, console }) {
    const words = wordsOf(params.args);
    if (typeof words === 'string') { console.error(`cat: ${words}`); stdin.close(); finish(stdout, 2); return 2; }
    let out: Out | null = stdout;
    if (words.length === 0) {
      await drain(stdin, async (piece) => {
        const o: Out | null = out;
        if (o !== null) out = await emit(abi, o, piece);
      });
      finish(out, 0);
      return 0;
    }
    stdin.close();
    let status = 0;
    for (const f of words) {
      const path = resolve(params.cwd, f);
      try {
        await readPieces(abi, path, async (piece) => {
          const o: Out | null = out;
          if (o === null) return false;
          out = await emit(abi, o, piece);
          return out !== null;
        });
      } catch (e) {
        console.error(`cat: ${e instanceof Error ? e.message : String(e)}`);
        status = 1;
      }
    }
    finish(out, status);
    return status;
  },
});
