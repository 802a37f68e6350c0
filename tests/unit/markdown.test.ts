import { describe, expect, it } from "vitest";
import { renderMarkdown } from "~/markdown.server";

describe("renderMarkdown", () => {
  it("renders the markdown organisers write", () => {
    const html = renderMarkdown("# Our shelter\n\nWe need a **fridge**.\n\n- rice\n- milk\n\n[Food bank](https://foodbank.example)");
    expect(html).toContain("<h3>Our shelter</h3>");
    expect(html).toContain("<strong>fridge</strong>");
    expect(html).toContain("<li>rice</li>");
    expect(html).toContain('<a href="https://foodbank.example" rel="nofollow noopener noreferrer ugc">Food bank</a>');
  });

  // A list of known XSS vectors: none may survive as markup, attribute or URL.
  const payloads = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](https://tracker.example/pixel.gif "t")',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">x</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=\"javascript:alert(1)//\">",
    "<details open ontoggle=alert(1)>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "[x](&#106;avascript:alert(1))",
    "<!--<img src=x onerror=alert(1)>-->",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<style>@import 'javascript:alert(1)';</style>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
  ];

  it.each(payloads)("neutralises %s", (payload) => {
    const html = renderMarkdown(payload).toLowerCase();
    expect(html).not.toMatch(/<(script|iframe|object|embed|svg|math|style|form|meta|base|img|video|source|input|details)\b/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/);
    expect(html).not.toMatch(/href\s*=\s*"\s*(javascript|data|vbscript):/);
    expect(html).not.toMatch(/src\s*=/);
    expect(html).not.toContain("style=");
  });
});
