// A worker thread's entry when recon runs from source (TypeScript through tsx): a worker does not
// inherit the tsx loader the main thread was started with, so this registers it and then loads the
// TypeScript entry named by the first argument. The build runs each worker's compiled .js directly.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
