// A one-way hand-over of an exchange-heap block, acknowledged: Put { data } then Got.
import { bytes, contract, inn, out, END, i32 } from 'sing/runtime';

export const BlockDrop = contract('BlockDrop', {
  messages: {
    Put: inn({ data: bytes }),
    Got: out({ checksum: i32 }),
  },
  initial: 'Empty',
  states: {
    Empty: { Put: 'Full' },
    Full: { Got: END },
  },
});
