import type { NeedStatus } from "~/models/schema";

/**
 * The need lifecycle as data (design.md): draft → live → funded → purchased → delivered →
 * closed, and cancelled from draft, live or funded. Pure, so the dashboard's buttons, the
 * model's checks and the tests all read the same table. The model also makes every
 * transition a conditional UPDATE (… WHERE status = <from>), so two racing transitions
 * cannot both win even though each checked this table first.
 */

/** Who asks: organisers through the dashboard, or the system (donations set `funded`). */
export type LifecycleActor = "organiser" | "system";

export const NEED_STATUSES: readonly NeedStatus[] = ["draft", "live", "funded", "purchased", "delivered", "closed", "cancelled"];

export const TRANSITIONS: Readonly<Record<NeedStatus, Partial<Record<NeedStatus, readonly LifecycleActor[]>>>> = {
  draft: { live: ["organiser"], cancelled: ["organiser"] },
  // `funded` happens once, when donations reach the goal — never by hand.
  live: { funded: ["system"], cancelled: ["organiser"] },
  funded: { purchased: ["organiser"], cancelled: ["organiser"] },
  purchased: { delivered: ["organiser"] },
  delivered: { closed: ["organiser"] },
  closed: {},
  cancelled: {},
};

export function canTransition(from: NeedStatus, to: NeedStatus, actor: LifecycleActor): boolean {
  return TRANSITIONS[from][to]?.includes(actor) ?? false;
}

/** The steps an actor may take next from this status, in lifecycle order. */
export function nextStatuses(from: NeedStatus, actor: LifecycleActor): NeedStatus[] {
  return NEED_STATUSES.filter((to) => canTransition(from, to, actor));
}

/** Title, story, deadline and surplus policy stay editable until the need is over. */
export function canEditDetails(status: NeedStatus): boolean {
  return status !== "closed" && status !== "cancelled";
}

/** Currency and web address are fixed once the need is public: links and amounts depend on them. */
export function canEditIdentity(status: NeedStatus): boolean {
  return status === "draft";
}

/** New items (the goal grows) while the need is still collecting. */
export function canAddItems(status: NeedStatus): boolean {
  return status === "draft" || status === "live";
}

/**
 * Editing, removing and reordering items: only while collecting, and (checked in the model,
 * under the need's row lock) only before the first donation.
 */
export function canChangeItems(status: NeedStatus): boolean {
  return status === "draft" || status === "live";
}

/**
 * Substitution (the shop no longer sells the fridge) is the honest change once money has
 * come in: the old item stays visible, struck through, next to its replacement. Possible
 * until the purchase is made.
 */
export function canSubstituteItems(status: NeedStatus): boolean {
  return status === "live" || status === "funded";
}
