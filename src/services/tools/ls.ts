// ls: lists directories (the working directory when given none), a name a line, a directory's
// name ending with '/', a file's followed by its size in bytes. A tool (../shared/stdio.ts): it talks to the
// file system over its contracts (../shared/fs-calls.ts) and writes to its stdout pipe.
// Rules: exit 0 when every directory was listed, 1 when one could not be (said on the console),
// 2 for bad words.
import { defineProgram, str } from 'sing/runtime';
import { Pipe } from 'sing/contracts/pipe';
import { list } from '../shared/fs-calls.ts';
import { resolve } from '../shared/paths.ts';
import { emit, finish, refuse, wordsOf } from '../shared/stdio.ts';

export default defineProgram({
  name: 'ls',
  version: '1.0.0',
  parameters: { cwd: str, args: str },
  endpoints: { stdin: Pipe.imp(), stdout: Pipe.exp() },
  resources: { exchangeHeap: '256KiB', files: { '/fs/**': 'read' } },
  console: true,
  async main({ abi, params, stdin, stdout, console }) {
    const words = wordsOf(params.args);
    if (typeof words === 'string') return refuse('ls', words, stdin, stdout, console);
    stdin.close();
    const dirs = words.length === 0 ? ['.'] : words;
    let text = '';
    let status = 0;
    for (const d of dirs) {
      const path = resolve(params.cwd, d);
      try {
        const entries = await list(abi, path);
        if (dirs.length > 1) text += `${path}:\n`;
        for (const e of entries) text += e.directory ? `${e.name}/\n` : `${e.name}  ${String(e.size)}\n`;
      } catch (e) {
        console.error(`ls: ${e instanceof Error ? e.message : String(e)}`);
        status = 1;
      }
    }
    finish(await emit(abi, stdout, text), status);
    return status;
  },
});
