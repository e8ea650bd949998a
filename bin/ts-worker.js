// Bootstrap for worker threads: loaders are per thread, so each worker registers tsx itself
// before importing its TypeScript module (workerData.tsModule).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
await import(workerData.tsModule);
