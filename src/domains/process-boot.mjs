// The entry of a process domain: registers the TypeScript loader (as bin/sing.js does), then runs
// the domain's kernel (process-main.ts).
import { register } from 'tsx/esm/api';

register();
await import('./process-main.ts');
