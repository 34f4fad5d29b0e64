// expect: SING1002 9:17
// JSON.parse returns any; bound to an un-annotated const it spreads through the program.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'json-any',
  console: true,
  main({ console }) {
    const cfg = JSON.parse('{"port": 80}');
    console.log(`port ${cfg.port}`);
    return 0;
  },
});
