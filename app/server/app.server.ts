import { randomUUID } from "node:crypto";
import { createRequestHandler } from "@remix-run/express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import express from "express";
import type { Logger } from "pino";
import "~/context";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";
import { loggablePath } from "./logger.server";
import { newFormToken } from "~/forms/submission.server";
import { createPageCache } from "./page-cache.server";
import { crossOriginGuard, securityHeaders } from "./security.server";
import { stripeWebhookRoutes } from "./stripe-webhook.server";

export interface AppDependencies {
  build: ServerBuild;
  db: Database;
  env: Env;
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The HTTP application: headers, guards, static files, then Remix. Listening is the caller's. */
export function createApp({ build, db, env, logger }: AppDependencies): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", env.TRUST_PROXY);

  app.use((req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      logger.info(
        {
          requestId,
          method: req.method,
          path: loggablePath(req.originalUrl),
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        },
        "request",
      );
    });
    next();
  });
  const pageCache = createPageCache({ ttlMs: env.pageCacheMs, mintFormToken: newFormToken });
  // Every write, a webhook's included, empties the page cache when it finishes.
  app.use(pageCache.writes);
  // Stripe's machine endpoint next: a signed plain-text answer to a server, for which the page
  // headers (CSP nonce and all), the browser CSRF guard (it exempts /webhooks/) and the page
  // cache's lookup are work without purpose, paid on every event.
  app.use(stripeWebhookRoutes({ db, env, logger }));
  app.use(securityHeaders(env));
  app.use(crossOriginGuard(env));
  // Before the static files: a cached need page should not cost a file-system lookup.
  app.use(pageCache.middleware);

  // Fingerprinted build output never changes under one name: cache it for a year.
  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y", index: false }));
  app.use(express.static("public", { maxAge: "1h", index: false }));

  app.all(
    "*",
    createRequestHandler({
      build,
      mode: build.mode,
      getLoadContext: (req, res): AppLoadContext => ({
        db,
        env,
        logger: logger.child({ requestId: res.locals.requestId }),
        requestId: res.locals.requestId,
        cspNonce: res.locals.cspNonce,
        formToken: res.locals.formToken ?? newFormToken(),
        // req.ip honours the "trust proxy" setting above; undefined only for a closed socket.
        clientIp: req.ip ?? "unknown",
      }),
    }),
  );
  return app;
}
