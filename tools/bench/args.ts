export interface BenchOptions {
  /** `module` or `module:scenario`; empty means every scenario. */
  selectors: string[];
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  processes: number;
  rounds: number;
  cpuProf: boolean;
  /** Node binaries the gateway and its baseline run on, each scenario once per binary in this order; empty: the harness's own. */
  nodes: string[];
  /** Another checkout of the repo (its own npm ci) whose gateway is built and measured instead of this one's. */
  checkout: string | null;
  /** Write BENCHMARKS.md and the JSON (off for exploratory runs). */
  record: boolean;
  list: boolean;
}

export const USAGE = `Usage: npm run bench -- [module[:scenario] ...] [options]

  --duration <s>      seconds of load per scenario and per baseline (default 10)
  --warmup <s>        seconds of warm-up before each measurement (default 3)
  --connections <n>   autocannon connections unless a scenario sets its own (default 10)
  --processes <n>     API gateway processes on consecutive ports (ROLE=api) plus one ROLE=worker
                      when n > 1; the baseline runs as many bare servers (default 1)
  --rounds <n>        scenario-then-baseline rounds per scenario; the median ratio is kept (default 1)
  --cpu-prof          write a V8 CPU profile of each gateway process to tools/bench/results/
  --node <path>       run the gateway and the baseline on this Node binary (default: the harness's own);
                      repeat it to measure each scenario on each binary in turn (a runtime comparison)
  --checkout <dir>    build and measure the gateway of another checkout of the repo (with its own npm ci)
  --no-record         print the figures only: leave BENCHMARKS.md and tools/bench/results/ alone
  --list              print the scenarios and exit`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = { selectors: [], durationSeconds: 10, warmupSeconds: 3, connections: 10, processes: 1, rounds: 1, cpuProf: false, nodes: [], checkout: null, record: true, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      options.selectors.push(arg);
      continue;
    }
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => {
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new UsageError(`${flag} needs a value`);
      return raw;
    };
    switch (flag) {
      case '--duration':
        options.durationSeconds = positiveNumber(flag, value());
        break;
      case '--warmup':
        options.warmupSeconds = positiveNumber(flag, value(), true);
        break;
      case '--connections':
        options.connections = positiveInteger(flag, value());
        break;
      case '--processes':
        options.processes = positiveInteger(flag, value());
        break;
      case '--rounds':
        options.rounds = positiveInteger(flag, value());
        break;
      case '--cpu-prof':
        options.cpuProf = true;
        break;
      case '--node':
        options.nodes.push(value());
        break;
      case '--checkout':
        options.checkout = value();
        break;
      case '--no-record':
        options.record = false;
        break;
      case '--list':
        options.list = true;
        break;
      case '--help':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return options;
}

function positiveNumber(flag: string, raw: string, zeroAllowed = false): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) throw new UsageError(`${flag} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, got ${raw}`);
  return value;
}

function positiveInteger(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got ${raw}`);
  return value;
}
