/** HTML that app/markdown.server.ts produced and sanitised on the server. Nothing else may come here. */
export function Markdown({ html }: { html: string }) {
  return <div className="prose" dangerouslySetInnerHTML={{ __html: html }} />;
}
