import type { Logger } from "pino";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";

/**
 * What the server hands every loader and action. Routes take the database from here
 * rather than importing a module-level instance, so the server process owns exactly one.
 */
export interface AppContext {
  db: Database;
  env: Env;
  logger: Logger;
  requestId: string;
  cspNonce: string;
  /** This response's one-time donate-form token, minted with the nonce (see page-cache.server.ts). */
  formToken: string;
  /** The client's address as express sees it (X-Forwarded-For only when TRUST_PROXY is on). */
  clientIp: string;
}

declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}

declare module "@remix-run/server-runtime" {
  interface Future {
    v3_singleFetch: true;
  }
}
