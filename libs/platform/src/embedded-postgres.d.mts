export interface EmbeddedPostgres {
  /** Initialises the cluster when new, starts the server; resolves to the directory the data is in. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export function embeddedPostgres(options: { dataDir: string; port: number; password: string }): EmbeddedPostgres;
