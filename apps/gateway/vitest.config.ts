import { projectTestConfig } from '../../vitest.shared';

// The gateway's suites start whole processes, clusters and fault injections: one file at a time.
export default projectTestConfig({ fileParallelism: false });
