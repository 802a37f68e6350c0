import { describe, expect, it } from "vitest";
import { allocateFunding, goalOf, type FundableItem } from "~/funding";

const fridge: FundableItem[] = [
  { id: 1, quantity: 1, unitCost: 78_000, substituted: false },
  { id: 2, quantity: 1, unitCost: 6_000, substituted: false },
  { id: 3, quantity: 10, unitCost: 800, substituted: false },
];

describe("goalOf", () => {
  it("sums quantity × unit cost, leaving substituted items out", () => {
    expect(goalOf(fridge)).toBe(92_000);
    expect(goalOf([...fridge, { id: 4, quantity: 2, unitCost: 500, substituted: true }])).toBe(92_000);
  });
});

describe("allocateFunding", () => {
  const funded = (raised: number, targeted: [number, number][] = []) =>
    allocateFunding(fridge, raised, new Map(targeted)).map((f) => f.funded);

  it("fills items in list order from general gifts", () => {
    expect(funded(0)).toEqual([0, 0, 0]);
    expect(funded(80_000)).toEqual([78_000, 2_000, 0]);
    expect(funded(92_000)).toEqual([78_000, 6_000, 8_000]);
    expect(funded(100_000)).toEqual([78_000, 6_000, 8_000]);
  });

  it("fills a targeted item first", () => {
    expect(funded(3_000, [[3, 3_000]])).toEqual([0, 0, 3_000]);
    expect(funded(10_000, [[3, 3_000]])).toEqual([7_000, 0, 3_000]);
  });

  it("lets a targeted gift's overflow flow to the other items", () => {
    expect(funded(10_000, [[2, 10_000]])).toEqual([4_000, 6_000, 0]);
  });
});
