// expect: SING3003 4:24
// A program may import sing/runtime and sing/contracts/*, never the kernel behind them.
import { defineProgram } from 'sing/runtime';
import { Kernel } from 'sing/kernel';

export default defineProgram({
  name: 'imports-kernel',
  main() {
    return typeof Kernel === 'function' ? 0 : 1;
  },
});
