/**
 * Plain text split into paragraphs at blank lines. React escapes it, so nothing a user
 * types can become markup. (Markdown rendering arrives with the sanitiser in issue 4.)
 */
export function Paragraphs({ text }: { text: string }) {
  const paragraphs = text.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);
  return (
    <>
      {paragraphs.map((paragraph, index) => (
        <p key={index}>{paragraph}</p>
      ))}
    </>
  );
}
