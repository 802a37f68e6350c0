import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { getUser, requireUser } from "~/auth/session.server";
import { hashToken, looksLikeToken } from "~/auth/tokens.server";
import { useT } from "~/components/i18n";
import { requestLocale, translator, type MessageKey } from "~/locales";
import { acceptInvitation, findInvitation, invitationState } from "~/models/invitations.server";
import { normaliseEmail } from "~/models/users.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ""} — Tomoni` },
  { name: "robots", content: "noindex" },
];

type Unusable = "invalid" | "expired" | "used";
const UNUSABLE: Record<Unusable, { title: MessageKey; body: MessageKey; status: number }> = {
  invalid: { title: "invitation.invalid.title", body: "invitation.invalid.body", status: 404 },
  expired: { title: "invitation.expired.title", body: "invitation.expired.body", status: 410 },
  used: { title: "invitation.used.title", body: "invitation.used.body", status: 410 },
};

function unusable(state: Unusable, request: Request) {
  const t = translator(requestLocale(request));
  return data({ state, title: t(UNUSABLE[state].title) } as const, { status: UNUSABLE[state].status });
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const invitation = looksLikeToken(params.token) ? await findInvitation(context.db, hashToken(params.token)) : undefined;
  if (!invitation) return unusable("invalid", request);
  const state = invitationState(invitation);
  if (state !== "open") return unusable(state, request);
  const user = await getUser(request, context);
  const t = translator(requestLocale(request));
  return {
    state: "open" as const,
    title: t("invitation.title", { organisation: invitation.organisation.name }),
    organisation: invitation.organisation.name,
    email: invitation.email,
    role: invitation.role,
    // Who is looking: nobody, the invited address, or someone else.
    viewer: !user ? ("anonymous" as const) : normaliseEmail(user.email) === normaliseEmail(invitation.email) ? ("invitee" as const) : ("other" as const),
    currentEmail: user?.email ?? null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  if (!looksLikeToken(params.token)) return unusable("invalid", request);
  const result = await acceptInvitation(context.db, { tokenHash: hashToken(params.token), user });
  if (result.status === "accepted") return redirect(`/dashboard/${result.organisation.slug}`, { status: 303 });
  if (result.status === "wrong-account") return data({ state: "wrong-account" as const }, { status: 403 });
  return unusable(result.status, request);
}

export default function InvitationPage() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const t = useT();
  if (loaded.state !== "open") {
    const copy = UNUSABLE[loaded.state];
    return (
      <section className="account-page">
        <h1>{t(copy.title)}</h1>
        <p>{t(copy.body)}</p>
      </section>
    );
  }
  const role = t(`role.${loaded.role}`);
  const wrongAccount = loaded.viewer === "other" || acted?.state === "wrong-account";
  return (
    <section className="account-page">
      <h1>{loaded.title}</h1>
      <p>{t("invitation.intro", { organisation: loaded.organisation, role })}</p>
      <p>{t("invitation.forEmail", { email: loaded.email })}</p>
      {loaded.viewer === "anonymous" ? (
        <InviteeLinks email={loaded.email} />
      ) : wrongAccount ? (
        <>
          <p role="alert">{t("invitation.wrongAccount", { current: loaded.currentEmail ?? "", email: loaded.email })}</p>
          <Form method="post" action="/logout" reloadDocument>
            <RedirectHere />
            <button type="submit" className="secondary-button">
              {t("nav.logout")}
            </button>
          </Form>
        </>
      ) : (
        <Form method="post">
          <div className="form-actions">
            <button type="submit" className="primary-button">
              {t("invitation.accept")}
            </button>
          </div>
        </Form>
      )}
    </section>
  );
}

/** After logging out or in, come back to this invitation. */
function RedirectHere() {
  return <input type="hidden" name="redirectTo" value={useLocation().pathname} />;
}

function InviteeLinks({ email }: { email: string }) {
  const t = useT();
  const path = useLocation().pathname;
  return (
    <>
      <p>{t("invitation.loginOrSignup")}</p>
      <p className="form-actions">
        <Link className="primary-button" to={`/login?${new URLSearchParams({ redirectTo: path })}`}>
          {t("invitation.login")}
        </Link>
        <Link className="secondary-button" to={`/signup?${new URLSearchParams({ redirectTo: path, email })}`}>
          {t("invitation.signup")}
        </Link>
      </p>
    </>
  );
}
