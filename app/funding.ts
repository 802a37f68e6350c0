/**
 * How donated money fills a need's items (design.md, money rules): a donation that targets
 * an item fills that item first; everything else — general gifts and any overflow — fills
 * items in list order. Substituted items are out of the goal; money aimed at one is general.
 * Pure and integer-only, shared by pages and the API.
 */

export interface FundableItem {
  id: number;
  quantity: number;
  unitCost: number;
  substituted: boolean;
}

export interface ItemFunding {
  id: number;
  total: number;
  funded: number;
}

export function itemTotal(item: Pick<FundableItem, "quantity" | "unitCost">): number {
  return item.quantity * item.unitCost;
}

export function goalOf(items: readonly FundableItem[]): number {
  return items.reduce((sum, item) => (item.substituted ? sum : sum + itemTotal(item)), 0);
}

/**
 * @param items in list order
 * @param raisedTotal all counted money for the need
 * @param raisedByItem counted money from donations that targeted an item, by item id
 */
export function allocateFunding(
  items: readonly FundableItem[],
  raisedTotal: number,
  raisedByItem: ReadonlyMap<number, number>,
): ItemFunding[] {
  const active = items.filter((item) => !item.substituted);
  const funded = new Map<number, number>();
  let general = raisedTotal;
  for (const item of active) {
    const targeted = Math.min(raisedByItem.get(item.id) ?? 0, itemTotal(item), general);
    funded.set(item.id, targeted);
    general -= targeted;
  }
  for (const item of active) {
    const room = itemTotal(item) - (funded.get(item.id) ?? 0);
    const add = Math.min(room, general);
    funded.set(item.id, (funded.get(item.id) ?? 0) + add);
    general -= add;
  }
  return items.map((item) => ({ id: item.id, total: itemTotal(item), funded: funded.get(item.id) ?? 0 }));
}
