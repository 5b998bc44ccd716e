/** Undo steps of everything the run started, run last-in first-out, once, on success, failure or Ctrl-C. */
export class CleanupStack {
  private steps: { name: string; undo: () => Promise<void> }[] = [];

  /** Registers `undo`; the returned function runs it now (and removes it from the stack). */
  push(name: string, undo: () => Promise<void>): () => Promise<void> {
    const step = { name, undo };
    this.steps.push(step);
    return async () => {
      const index = this.steps.indexOf(step);
      if (index === -1) return;
      this.steps.splice(index, 1);
      await undo();
    };
  }

  async runAll(): Promise<void> {
    while (this.steps.length) {
      const step = this.steps.pop() as { name: string; undo: () => Promise<void> };
      try {
        await step.undo();
      } catch (error) {
        console.error(`clean-up "${step.name}" failed: ${(error as Error).message}`);
      }
    }
  }
}
