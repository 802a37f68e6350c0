import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { destroyUserSession, safeRedirectPath } from "~/auth/session.server";

/** POST only: a GET (a link, a prefetch, an image tag elsewhere) must never log anyone out. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const cookie = await destroyUserSession(request, context);
  return redirect(safeRedirectPath(form.get("redirectTo"), "/"), { status: 303, headers: { "Set-Cookie": cookie } });
}

export async function loader() {
  return redirect("/");
}
