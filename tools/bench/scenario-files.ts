import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Scenario } from './scenario';

export interface LoadedScenarios {
  scenarios: Scenario[];
  /** Files that failed to import (a module's scenarios mid-edit), with the reason. */
  broken: { file: string; error: string }[];
}

/** Imports every `scenarios/<module>.ts` and collects its `scenarios` export, platform first. */
export async function loadScenarios(dir: string): Promise<LoadedScenarios> {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .sort((a, b) => (a === 'platform.ts' ? -1 : b === 'platform.ts' ? 1 : a.localeCompare(b)));
  const loaded: LoadedScenarios = { scenarios: [], broken: [] };
  for (const file of files) {
    try {
      const exported = (await import(pathToFileURL(`${dir}/${file}`).href)) as { scenarios?: Scenario[] };
      if (!Array.isArray(exported.scenarios)) throw new Error('exports no `scenarios` array');
      loaded.scenarios.push(...exported.scenarios);
    } catch (error) {
      loaded.broken.push({ file, error: (error as Error).message.split('\n')[0] ?? '' });
    }
  }
  return loaded;
}

export function scenarioId(scenario: Pick<Scenario, 'module' | 'name'>): string {
  return `${scenario.module}:${scenario.name}`;
}

/** `santa` selects the module's scenarios, `santa:cheap-get` one of them; no selector selects all. */
export function selectScenarios(all: Scenario[], selectors: string[]): Scenario[] {
  if (selectors.length === 0) return all;
  const selected: Scenario[] = [];
  for (const selector of selectors) {
    const matches = all.filter((scenario) => (selector.includes(':') ? scenarioId(scenario) === selector : scenario.module === selector));
    if (matches.length === 0) {
      throw new Error(`no scenario matches "${selector}"; known: ${all.map(scenarioId).join(', ') || '(none)'}`);
    }
    for (const match of matches) if (!selected.includes(match)) selected.push(match);
  }
  return selected;
}
