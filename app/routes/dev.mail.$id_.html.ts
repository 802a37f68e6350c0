import type { LoaderFunctionArgs } from "@remix-run/node";
import { emailHtmlResponse, requireDevMail } from "~/email/devmail.server";
import { getMailboxMessage } from "~/models/mailbox.server";

/** The stored HTML of one local-mailbox message, framed by /dev/mail/:id (own CSP, sandboxed). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  requireDevMail(context.env);
  const id = /^\d{1,15}$/.test(params.id ?? "") ? Number(params.id) : null;
  const message = id === null ? undefined : await getMailboxMessage(context.db, id);
  if (!message) throw new Response("Not Found", { status: 404 });
  return emailHtmlResponse(message.html);
}
