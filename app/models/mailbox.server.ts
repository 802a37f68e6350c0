import type { Database } from "~/db.server";
import type { Locale } from "./schema";

/**
 * The local mailbox: where mail goes when no RESEND_API_KEY is set (never in production).
 * Idempotent like Resend: the same idempotency key stores one message, whatever the retries.
 */
export interface MailboxMessageInput {
  idempotencyKey: string;
  sender: string;
  recipient: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  locale: Locale;
}

/** Stores a message once per key and returns its message id (the existing one on a repeat). */
export async function deliverToMailbox(db: Database, message: MailboxMessageInput): Promise<string> {
  const messageId = `local_${crypto.randomUUID()}`;
  const inserted = await db
    .insertInto("mailbox_messages")
    .values({
      idempotency_key: message.idempotencyKey,
      message_id: messageId,
      sender: message.sender,
      recipient: message.recipient,
      subject: message.subject,
      html: message.html,
      text: message.text,
      headers: JSON.stringify(message.headers),
      locale: message.locale,
    })
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .returning("message_id")
    .executeTakeFirst();
  if (inserted) return inserted.message_id;
  const existing = await db
    .selectFrom("mailbox_messages")
    .where("idempotency_key", "=", message.idempotencyKey)
    .select("message_id")
    .executeTakeFirstOrThrow();
  return existing.message_id;
}

export async function listMailbox(db: Database, options: { recipient?: string; limit?: number } = {}) {
  let query = db
    .selectFrom("mailbox_messages")
    .select(["id", "message_id", "sender", "recipient", "subject", "locale", "created_at"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(options.limit ?? 100);
  if (options.recipient) query = query.where((eb) => eb(eb.fn("lower", ["recipient"]), "=", options.recipient!.toLowerCase()));
  return query.execute();
}

// Columns are named, never `*`: a prepared statement (app/db.server.ts) whose result gains a
// column from a migration applied while this process runs fails with "cached plan must not
// change result type".
export async function getMailboxMessage(db: Database, id: number) {
  return db
    .selectFrom("mailbox_messages")
    .select(["id", "message_id", "sender", "recipient", "subject", "html", "text", "headers", "locale", "created_at"])
    .where("id", "=", id)
    .executeTakeFirst();
}
