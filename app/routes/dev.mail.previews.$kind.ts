import type { LoaderFunctionArgs } from "@remix-run/node";
import { emailHtmlResponse, previewKinds, previewLocale, renderPreview, requireDevMail } from "~/email/devmail.server";

/** /dev/mail/previews/:kind?locale=ja[&format=text]: a template rendered with its PreviewProps. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  requireDevMail(context.env);
  const kind = params.kind ?? "";
  if (!previewKinds().includes(kind)) throw new Response("Not Found", { status: 404 });
  const url = new URL(request.url);
  const email = await renderPreview(kind, previewLocale(url.searchParams.get("locale")), context.env.APP_URL);
  if (url.searchParams.get("format") === "text") {
    return new Response(`Subject: ${email.subject}\n\n${email.text}`, {
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  return emailHtmlResponse(email.html);
}
