import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { inviteMember } from "~/auth/invitations.server";
import { requireMember } from "~/auth/membership.server";
import { throttleInvitations } from "~/auth/throttle.server";
import { ErrorSummary, Field, Notice } from "~/components/forms";
import { useLocale, useT } from "~/components/i18n";
import { OrgNav } from "~/components/OrgNav";
import { inviteSchema } from "~/forms/accounts.server";
import { formFields, keepValues, parseForm } from "~/forms/parse.server";
import { invalid, rateLimited, retryAfterHeaders, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";
import { isMemberByEmail, listPendingInvitations, revokeInvitation } from "~/models/invitations.server";
import { listMembers, removeMember } from "~/models/organisations.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

const NOTICES = { invited: "members.invite.sent", removed: "members.removed", revoked: "members.pending.revoked" } as const;

export const headers = retryAfterHeaders;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation, role, user } = await requireMember(request, context, params.org);
  const [members, pending] = await Promise.all([listMembers(context.db, organisation.id), listPendingInvitations(context.db, organisation.id)]);
  const notice = new URL(request.url).searchParams.get("notice");
  return {
    title: `${translator(requestLocale(request))("members.title")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    isOwner: role === "owner",
    userId: user.id,
    members: members.map((m) => ({ userId: m.userId, email: m.email, displayName: m.displayName, role: m.role })),
    pending: pending.map((p) => ({ id: p.tokenHash, email: p.email, role: p.role, expiresAt: p.expiresAt.toISOString() })),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
  };
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("invite") }),
  z.object({ intent: z.literal("remove"), userId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal("revoke"), invitation: z.string().regex(/^[0-9a-f]{64}$/) }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, role, user } = await requireMember(request, context, params.org);
  const fields = formFields(await request.formData());
  const intent = intentSchema.safeParse(fields);
  if (!intent.success) return invalid({ formError: "error.required" });
  const here = `/dashboard/${organisation.slug}/members`;
  const isOwner = role === "owner";
  const ownersOnly = () => invalid({ formError: "error.ownersOnly" }, 403);

  switch (intent.data.intent) {
    case "invite": {
      if (!isOwner) return ownersOnly();
      const values = keepValues(fields, ["email", "role"]);
      const parsed = parseForm(inviteSchema, fields);
      if (!parsed.success) return invalid({ errors: parsed.errors, values });
      if (await isMemberByEmail(context.db, organisation.id, parsed.data.email)) {
        return invalid({ errors: { email: "error.invite.alreadyMember" }, values });
      }
      const throttle = await throttleInvitations(context.db, user.id);
      if (!throttle.allowed) return rateLimited(throttle.retryAfterSeconds, values);
      await inviteMember(context, { organisation, email: parsed.data.email, role: parsed.data.role, invitedBy: user, locale: requestLocale(request) });
      return redirect(`${here}?notice=invited`, { status: 303 });
    }
    case "remove": {
      const leaving = intent.data.userId === user.id;
      // Anyone may leave; only owners remove others.
      if (!leaving && !isOwner) return ownersOnly();
      const result = await removeMember(context.db, organisation.id, intent.data.userId);
      if (result === "last-owner") return invalid({ formError: "members.lastOwner" }, 409);
      if (result === "not-member") return invalid({ formError: "members.notMember" }, 404);
      return redirect(leaving ? "/dashboard?notice=left" : `${here}?notice=removed`, { status: 303 });
    }
    case "revoke": {
      if (!isOwner) return ownersOnly();
      await revokeInvitation(context.db, organisation.id, intent.data.invitation);
      return redirect(`${here}?notice=revoked`, { status: 303 });
    }
  }
}

export default function Members() {
  const { organisation, isOwner, userId, members, pending, notice } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const date = (iso: string) => new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso));
  return (
    <section className="wide-page">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("members.title")}</h1>
      {notice && !failure ? <Notice>{t(notice)}</Notice> : null}
      <ErrorSummary errors={failure?.errors} order={["email", "role"]} formError={failure?.formError} vars={failure?.formErrorVars} />

      <section className="section" aria-labelledby="members-list">
        <h2 id="members-list">{t("members.list")}</h2>
        <ul className="member-list">
          {members.map((member) => {
            const self = member.userId === userId;
            const who = member.displayName ? `${member.displayName} <${member.email}>` : member.email;
            return (
              <li key={member.userId}>
                <span className="member-who">
                  {who} {self ? t("members.you") : null}
                </span>
                <span className="member-role">{t(`role.${member.role}`)}</span>
                {isOwner || self ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="userId" value={member.userId} />
                    <button type="submit" className="danger-button" aria-label={self ? undefined : t("members.removeLabel", { email: member.email })}>
                      {self ? t("members.leave") : t("members.remove")}
                    </button>
                  </Form>
                ) : null}
              </li>
            );
          })}
        </ul>
      </section>

      {pending.length > 0 ? (
        <section className="section" aria-labelledby="members-pending">
          <h2 id="members-pending">{t("members.pending")}</h2>
          <ul className="member-list">
            {pending.map((invitation) => (
              <li key={invitation.id}>
                <span className="member-who">{invitation.email}</span>
                <span className="member-role">
                  {t(`role.${invitation.role}`)} · {t("members.pending.expires", { date: date(invitation.expiresAt) })}
                </span>
                {isOwner ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="invitation" value={invitation.id} />
                    <button type="submit" className="danger-button" aria-label={t("members.pending.revokeLabel", { email: invitation.email })}>
                      {t("members.pending.revoke")}
                    </button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section className="section" aria-labelledby="members-invite">
        <h2 id="members-invite">{t("members.invite.title")}</h2>
        {isOwner ? (
          <>
            <p className="intro">{t("members.invite.intro")}</p>
            <Form method="post" noValidate>
              <input type="hidden" name="intent" value="invite" />
              <Field
                name="email"
                label={t("members.invite.email")}
                type="email"
                inputMode="email"
                spellCheck={false}
                autoComplete="off"
                required
                defaultValue={failure?.values.email}
                error={failure?.errors.email}
              />
              <fieldset className="radio-group" aria-describedby={failure?.errors.role ? "role-error" : undefined}>
                <legend>{t("members.invite.role")}</legend>
                {failure?.errors.role ? (
                  <p id="role-error" className="field-error">
                    {t(failure.errors.role)}
                  </p>
                ) : null}
                {(["organiser", "owner"] as const).map((role, index) => (
                  <div className="radio" key={role}>
                    <input
                      type="radio"
                      name="role"
                      value={role}
                      id={index === 0 ? "role" : `role-${role}`}
                      defaultChecked={(failure?.values.role || "organiser") === role}
                    />
                    <label htmlFor={index === 0 ? "role" : `role-${role}`}>{t(`members.invite.role.${role}`)}</label>
                  </div>
                ))}
              </fieldset>
              <div className="form-actions">
                <button type="submit" className="primary-button">
                  {t("members.invite.submit")}
                </button>
              </div>
            </Form>
          </>
        ) : (
          <p>{t("members.ownersManage")}</p>
        )}
      </section>
    </section>
  );
}

