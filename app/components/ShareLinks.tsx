import { useState, useSyncExternalStore } from "react";
import { useT } from "./i18n";

/**
 * Share URLs with the page address (and title) encoded; plain links, so no script of theirs runs here.
 * X: https://docs.x.com/x-for-websites/post-button/guides/web-intent
 */
export function shareUrls(url: string, title: string) {
  const u = encodeURIComponent(url);
  return {
    line: `https://social-plugins.line.me/lineit/share?url=${u}`,
    x: `https://x.com/intent/tweet?text=${encodeURIComponent(title)}&url=${u}`,
    facebook: `https://www.facebook.com/sharer/sharer.php?u=${u}`,
    email: `mailto:?subject=${encodeURIComponent(title)}&body=${encodeURIComponent(`${title}\n${url}`)}`,
  };
}

const noSubscription = () => () => {};
const clipboardAvailable = () => typeof navigator.clipboard?.writeText === "function";

/**
 * The page's address, always shown as plain text anyone can select, plus links to share it.
 * "Copy link" needs the Clipboard API, so it appears only once JavaScript has run and the
 * browser offers it: progressive enhancement, never a button that does nothing.
 */
export function ShareLinks({ url, title }: { url: string; title: string }) {
  const t = useT();
  // false on the server and while hydrating, then whether this browser can copy.
  const canCopy = useSyncExternalStore(noSubscription, clipboardAvailable, () => false);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");
  const links = shareUrls(url, title);
  const copy = () => {
    navigator.clipboard.writeText(url).then(
      () => setCopyState("copied"),
      () => setCopyState("failed"),
    );
  };
  return (
    <section aria-labelledby="share" className="share">
      <h2 id="share">{t("share.title")}</h2>
      <div className="share-url">
        <label htmlFor="share-url">{t("share.link")}</label>
        <input id="share-url" type="text" readOnly value={url} />
        {canCopy ? (
          <button type="button" className="secondary-button" onClick={copy}>
            {t("share.copy")}
          </button>
        ) : null}
      </div>
      <p role="status" className="share-status">
        {copyState === "copied" ? t("share.copied") : copyState === "failed" ? t("share.copyFailed") : null}
      </p>
      <ul className="share-links" aria-label={t("share.via")}>
        <li>
          <a href={links.line} rel="noopener noreferrer">
            {t("share.line")}
          </a>
        </li>
        <li>
          <a href={links.x} rel="noopener noreferrer">
            {t("share.x")}
          </a>
        </li>
        <li>
          <a href={links.facebook} rel="noopener noreferrer">
            {t("share.facebook")}
          </a>
        </li>
        <li>
          <a href={links.email}>{t("share.email")}</a>
        </li>
      </ul>
    </section>
  );
}
