// expect: SING2008 9:12
// __proto__ reaches (and can replace) an object's prototype.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'proto-access',
  main() {
    const o: { a: number; __proto__?: object } = { a: 1 };
    void o.__proto__;
    return 0;
  },
});
