// The smallest child: says Hi to its parent and exits.
import { defineProgram } from 'sing/runtime';
import { Hello } from '../contracts.ts';

export default defineProgram({
  name: 'hello',
  endpoints: { parent: Hello.exp() },
  main({ parent }) {
    parent.send('Hi');
    return 0;
  },
});
