import type { AppLoadContext } from "@remix-run/node";
import type { Locale } from "~/locales";
import { createInvitation, INVITATION_DAYS } from "~/models/invitations.server";
import type { Organisation } from "~/models/organisations.server";
import { enqueueEmail } from "~/models/outbox.server";
import type { MemberRole } from "~/models/schema";
import type { User } from "~/models/users.server";
import { hashToken, newToken } from "./tokens.server";

/**
 * Invites an address to an organisation: the invitation row and its email are written in
 * one transaction, so neither exists without the other.
 */
export async function inviteMember(
  context: Pick<AppLoadContext, "db" | "env">,
  input: { organisation: Pick<Organisation, "id" | "name">; email: string; role: MemberRole; invitedBy: User; locale: Locale; now?: Date },
): Promise<{ token: string }> {
  const token = newToken();
  const tokenHash = hashToken(token);
  const now = input.now ?? new Date();
  await context.db.transaction().execute(async (trx) => {
    await createInvitation(trx, {
      organisationId: input.organisation.id,
      email: input.email,
      role: input.role,
      invitedBy: input.invitedBy.id,
      tokenHash,
      expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000),
    });
    await enqueueEmail(trx, {
      kind: "invitation",
      to: input.email,
      locale: input.locale,
      props: {
        organisationName: input.organisation.name,
        inviterName: input.invitedBy.displayName || input.invitedBy.email,
        role: input.role,
        acceptUrl: `${context.env.APP_URL}/invitations/${token}`,
        expiresInDays: INVITATION_DAYS,
      },
      idempotencyKey: `invitation:${tokenHash}`,
      transactional: true,
    });
  });
  return { token };
}
