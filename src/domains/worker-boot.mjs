// The entry of a worker domain's thread: registers the TypeScript loader (as bin/sing.js does),
// then runs the domain's kernel (worker-main.ts).
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
