// The supervisor's control contract: how whoever started a supervisor asks it to stand down before
// stopping the system in an order of its own (the services last to first, the file system
// unmounted cleanly): after Quiesce, the supervisor restarts nothing more.
// Rules for clients: bind the name the supervisor's `control` parameter gave; it says Ready; one
// Quiesce is answered by Quiet, and the channel ends.
import { contract, inn, out, END } from 'sing/runtime';

export const SupervisorControl = contract('SupervisorControl', {
  messages: {
    Ready: out(),
    Quiesce: inn(),
    Quiet: out(),
  },
  initial: 'Start',
  states: {
    Start: { Ready: 'Idle' },
    Idle: { Quiesce: 'Quiescing' },
    Quiescing: { Quiet: END },
  },
});
