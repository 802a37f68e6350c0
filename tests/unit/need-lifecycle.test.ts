import { describe, expect, it } from "vitest";
import { canTransition, NEED_STATUSES, nextStatuses, TRANSITIONS } from "~/need-lifecycle";
import type { NeedStatus } from "~/models/schema";

// The whole table, written out independently of TRANSITIONS: every pair not listed is illegal.
const LEGAL: [NeedStatus, NeedStatus, "organiser" | "system"][] = [
  ["draft", "live", "organiser"],
  ["draft", "cancelled", "organiser"],
  ["live", "funded", "system"],
  ["live", "cancelled", "organiser"],
  ["funded", "purchased", "organiser"],
  ["funded", "cancelled", "organiser"],
  ["purchased", "delivered", "organiser"],
  ["delivered", "closed", "organiser"],
];

describe("need lifecycle", () => {
  const pairs = NEED_STATUSES.flatMap((from) => NEED_STATUSES.flatMap((to) => (["organiser", "system"] as const).map((actor) => [from, to, actor] as const)));

  it.each(pairs)("%s → %s by %s", (from, to, actor) => {
    const legal = LEGAL.some(([f, t, a]) => f === from && t === to && a === actor);
    expect(canTransition(from, to, actor)).toBe(legal);
  });

  it("never lets organisers mark a need funded: donations do that", () => {
    for (const from of NEED_STATUSES) expect(canTransition(from, "funded", "organiser")).toBe(false);
  });

  it("ends in closed and cancelled, and nothing leads back to draft", () => {
    expect(TRANSITIONS.closed).toEqual({});
    expect(TRANSITIONS.cancelled).toEqual({});
    for (const from of NEED_STATUSES) expect(canTransition(from, "draft", "organiser") || canTransition(from, "draft", "system")).toBe(false);
  });

  it("offers organisers the next steps in lifecycle order", () => {
    expect(nextStatuses("draft", "organiser")).toEqual(["live", "cancelled"]);
    expect(nextStatuses("live", "organiser")).toEqual(["cancelled"]);
    expect(nextStatuses("funded", "organiser")).toEqual(["purchased", "cancelled"]);
    expect(nextStatuses("closed", "organiser")).toEqual([]);
  });
});
