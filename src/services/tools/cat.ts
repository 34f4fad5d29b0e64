// cat: writes files (or, given none, its input) to its output, in order. A tool (../shared/stdio.ts):
// files are read over the file system's contracts. What it writes is gathered first and written in
// one go (in pieces of whole characters), which keeps the pipe's one endpoint in one place.
// Rules: exit 0 when every file was read, 1 when one could not be (said on the console; the rest
// are still written), 2 for bad words.
import { defineProgram, str } from 'sing/runtime';
import { Pipe } from 'sing/contracts/pipe';
import { readText } from '../shared/fs-calls.ts';
import { resolve } from '../shared/paths.ts';
import { drain, emit, finish, refuse, wordsOf } from '../shared/stdio.ts';

export default defineProgram({
  name: 'cat',
  version: '1.0.0',
  parameters: { cwd: str, args: str },
  endpoints: { stdin: Pipe.imp(), stdout: Pipe.exp() },
  resources: { exchangeHeap: '256KiB', files: { '/fs/**': 'read' } },
  console: true,
  async main({ abi, params, stdin, stdout, console }) {
    const words = wordsOf(params.args);
    if (typeof words === 'string') return refuse('cat', words, stdin, stdout, console);
    if (words.length === 0) {
      let input = '';
      await drain(stdin, (piece) => { input += piece; });
      finish(await emit(abi, stdout, input), 0);
      return 0;
    }
    stdin.close();
    let text = '';
    let status = 0;
    for (const f of words) {
      try {
        text += await readText(abi, resolve(params.cwd, f));
      } catch (e) {
        console.error(`cat: ${e instanceof Error ? e.message : String(e)}`);
        status = 1;
      }
    }
    finish(await emit(abi, stdout, text), status);
    return status;
  },
});
