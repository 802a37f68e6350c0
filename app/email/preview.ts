import { mkdir, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { EnvError, loadEnv } from "~/env.server";
import { LOCALES } from "~/locales";
import { previewKinds, renderPreview } from "./devmail.server";

/**
 * `npm run email:preview`: every template, with its PreviewProps, in every language, as HTML
 * and text files in .email-previews/ (git-ignored). Open the HTML in a browser, or a mail
 * client, to see what recipients get. The running app shows the same at /dev/mail.
 */
const OUT_DIR = resolve(".email-previews");

async function main() {
  let appUrl: string;
  try {
    appUrl = loadEnv().APP_URL;
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  await mkdir(OUT_DIR, { recursive: true });
  for (const kind of previewKinds()) {
    for (const locale of LOCALES) {
      const email = await renderPreview(kind, locale, appUrl);
      const base = resolve(OUT_DIR, `${kind}.${locale}`);
      await writeFile(`${base}.html`, email.html);
      await writeFile(`${base}.txt`, `Subject: ${email.subject}\n\n${email.text}\n`);
      console.log(`${relative(process.cwd(), base)}.html`);
      console.log(`${relative(process.cwd(), base)}.txt`);
    }
  }
}

await main();
