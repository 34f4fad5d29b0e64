// expect: SING2009 7:3
// defineProperty on an object the program was handed, not one it created.
import { defineProgram } from 'sing/runtime';

/** Adds a hidden field to somebody else's object. */
function tag(o: object): void {
  Object.defineProperty(o, 'tagged', { value: true });
}

export default defineProgram({
  name: 'define-property-param',
  main() {
    tag({});
    return 0;
  },
});
