// A background program for the shell to start, list and stop: it says `tick N` every `every` ms,
// `times` times, then exits 0.
import { defineProgram, i32 } from 'sing/runtime';

export default defineProgram({
  name: 'ticker',
  parameters: { every: i32, times: i32 },
  console: true,
  async main({ abi, params, console }) {
    if (params.every < 1 || params.times < 1) {
      console.error('ticker: --every and --times must be at least 1');
      return 2;
    }
    for (let i = 1; i <= params.times; i++) {
      await abi.sleep(params.every);
      console.log(`tick ${i}`);
    }
    return 0;
  },
});
