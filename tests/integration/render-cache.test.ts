import { describe, expect, it } from "vitest";
import { createRenderCache, escapeHtml } from "~/email/render-cache.server";
import { previewPropsFor, renderEmail, type RenderInput } from "~/email/render.server";

/**
 * The worker renders each distinct email of a unit once and substitutes each recipient's
 * unsubscribe URL (app/email/render-cache.server.ts). Whatever the URL, the result must be
 * exactly what rendering that row on its own gives.
 */

const base = "https://tomoni.example/unsubscribe/";
// Tokens as encodeURIComponent leaves them (base64url, and the characters it keeps: ' ( ) * ! ~ .),
// one that HTML-escapes, and one long enough to meet any text wrapping.
const tokens = [
  "Q2hhbmdlIHRoaXMgdG9rZW4gYmVmb3JlIHVzZQ-_abcdefghij",
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "it's-(a)*token!~with.marks-0123456789",
  "x".repeat(200),
];

function counting(render = renderEmail) {
  let calls = 0;
  return {
    render: (input: RenderInput) => {
      calls += 1;
      return render(input);
    },
    calls: () => calls,
  };
}

describe("rendering each distinct email once per unit", () => {
  it.each(["new-update", "test"])("gives every recipient of a %s email exactly the email rendered for them alone (html, text, subject)", async (kind) => {
    for (const locale of ["en", "ja"] as const) {
      const counter = counting();
      const cache = createRenderCache(counter.render);
      const props = previewPropsFor(kind);
      for (const token of tokens) {
        const input = { kind, locale, props, unsubscribeUrl: base + token };
        const [cached, alone] = await Promise.all([cache.render(input), renderEmail(input)]);
        expect(cached).toEqual(alone);
        // The recipient's own link, and nobody else's.
        expect(cached.html).toContain(`href="${escapeHtml(base + token)}"`);
        expect(cached.text).toContain(base + token);
        for (const other of tokens.filter((t) => t !== token)) expect(cached.text).not.toContain(base + other);
      }
      // Two renders per distinct (kind, locale, props, URL shape) — the shared one and its check —
      // instead of one per recipient; tokens of one length share them.
      expect(counter.calls()).toBe(2 * new Set(tokens.map((t) => t.length)).size);
    }
  });

  it("renders transactional emails (no unsubscribe URL) once per distinct kind, locale and props", async () => {
    const counter = counting();
    const cache = createRenderCache(counter.render);
    const backer = previewPropsFor("goal-met");
    const organiser = { ...backer, audience: "organiser" };
    const inputs: RenderInput[] = [];
    for (let i = 0; i < 40; i++) inputs.push({ kind: "goal-met", locale: i % 2 ? "ja" : "en", props: i % 5 ? backer : organiser });
    const rendered = await Promise.all(inputs.map((input) => cache.render(input)));
    expect(counter.calls()).toBe(4);
    for (const [i, input] of inputs.entries()) expect(rendered[i]).toEqual(await renderEmail(input));
  });

  it("renders each row on its own when the template does anything to the URL but print it", async () => {
    // A template that shouts the URL: the placeholder would not survive substitution.
    const shouting = counting(async (input) => {
      const r = await renderEmail(input);
      return { ...r, text: `${r.text}\n${(input.unsubscribeUrl ?? "").toUpperCase()}` };
    });
    const cache = createRenderCache(shouting.render);
    for (const token of ["A".repeat(43), "B".repeat(43)]) {
      const input = { kind: "test", locale: "en" as const, props: {}, unsubscribeUrl: base + token };
      const text = (await cache.render(input)).text;
      expect(text.endsWith((base + token).toUpperCase())).toBe(true);
      expect(text).toContain(base + token);
    }
    // The check's two renders (once: both tokens have one length), then each row alone.
    expect(shouting.calls()).toBe(2 + 2);
  });

  it("renders a short token's email on its own (a short placeholder could occur in the text)", async () => {
    const counter = counting();
    const cache = createRenderCache(counter.render);
    const input = { kind: "test", locale: "en" as const, props: {}, unsubscribeUrl: `${base}abc` };
    expect(await cache.render(input)).toEqual(await renderEmail(input));
    expect(counter.calls()).toBe(1);
  });

  it("does not keep a failed render: each row reports its own failure", async () => {
    let fail = true;
    const flaky = counting(async (input) => {
      if (fail) throw new Error("template exploded");
      return renderEmail(input);
    });
    const cache = createRenderCache(flaky.render);
    const input = { kind: "test", locale: "en" as const, props: {} };
    await expect(cache.render(input)).rejects.toThrow("template exploded");
    fail = false;
    expect(await cache.render(input)).toEqual(await renderEmail(input));
  });
});
