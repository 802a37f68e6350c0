import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";
import { receiveStripeWebhook } from "~/payments/webhook.server";

/**
 * Stripe's events for the platform and the connected accounts, served by Express ahead of
 * Remix. Why not a Remix route: this is a machine endpoint that arrives in bursts (a busy day,
 * Stripe re-sending a backlog), and Remix's route matching and request conversion cost more per
 * event than the ledger's own work (README "Performance"). The signature covers the exact
 * bytes sent, so the body is read raw and never re-serialised before verification.
 */

// Stripe's events are a few kilobytes; far above that is not Stripe.
const MAX_BODY = "2mb";

export function stripeWebhookRoutes(deps: { db: Database; env: Env; logger: Logger }): express.Router {
  const router = express.Router();
  router.post("/webhooks/stripe", express.raw({ type: () => true, limit: MAX_BODY }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
      const logger = deps.logger.child({ requestId: res.locals.requestId });
      const signature = req.get("stripe-signature") ?? null;
      const result = await receiveStripeWebhook({ db: deps.db, env: deps.env, logger }, rawBody, signature, { answerBeforeGoalCheck: true });
      plain(res, result.status, result.body);
    } catch (error) {
      next(error);
    }
  });
  router.all("/webhooks/stripe", (_req: Request, res: Response) => {
    res.setHeader("Allow", "POST");
    plain(res, 405, "Method Not Allowed");
  });
  // A body too large or cut off: a plain answer, never an error page with a stack.
  router.use("/webhooks/stripe", (error: { status?: number; statusCode?: number }, _req: Request, res: Response, next: NextFunction) => {
    const status = error.status ?? error.statusCode;
    if (res.headersSent || !status || status < 400 || status >= 500) return next(error);
    plain(res, status, status === 413 ? "payload too large" : "bad request");
  });
  return router;
}

function plain(res: Response, status: number, body: string) {
  res.status(status).set({ "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" }).send(body);
}
