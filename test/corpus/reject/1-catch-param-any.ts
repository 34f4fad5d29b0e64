// expect: SING1002 10:39
// Promise.catch hands its callback `any`: the parameter should be annotated as unknown.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'catch-any',
  console: true,
  async main({ console }) {
    const failing: Promise<string> = Promise.reject(new Error('no'));
    const text = await failing.catch((e) => String(e));
    console.log(text);
    return 0;
  },
});
