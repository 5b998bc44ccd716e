import { projectTestConfig } from '../../vitest.shared';

// Files share the run's database and empty the messy tables first, so they must not overlap.
export default projectTestConfig({ fileParallelism: false });
