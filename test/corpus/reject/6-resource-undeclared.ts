// expect: SING6015 12:31
// Asks for a host resource (a TCP port) the manifest does not declare; the disk it declares is fine.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'wants-port',
  resources: { host: { disk: { kind: 'file', path: '/var/sing/disk.img' } } },
  console: true,
  main({ abi, console }) {
    const disk = abi.resource('disk');
    console.log(disk.target);
    const port = abi.resource('http');
    console.log(port.target);
    return 0;
  },
});
