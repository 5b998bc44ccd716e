import { projectTestConfig } from '../../vitest.shared';

// Files share a worker's module graph: on a busy 2-core machine most of the suite's time was module loading.
export default projectTestConfig({ isolate: false });
