// The domain benchmark's file server: answers each Get from its client by asking storage for the
// file and forwarding the block it gets back (moved, never touched). When the client goes it
// closes storage and returns 0; when storage goes first it returns 1.
import { defineProgram } from 'sing/runtime';
import { Files, Store } from '../contracts.ts';

export default defineProgram({
  name: 'fileserver',
  endpoints: { clients: Files.exp(), store: Store.imp() },
  async main({ clients, store }) {
    let idle = clients;
    let disk = store;
    for (;;) {
      const req = await idle.receive();
      if (req.tag === '$closed') { disk.close(); return 0; }
      const got = await disk.send('Read', { n: req.n }).receive();
      if (got.tag === '$closed') { req.ep.close(); return 1; }
      disk = got.ep;
      idle = req.ep.send('File', { b: got.b });
    }
  },
});
