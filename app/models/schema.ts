import type { ColumnType, Generated } from "kysely";

/** Kysely's view of the tables in db/migrations. Money columns are integer minor units. */

/** Defaults to now() on insert, so it may be left out. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** `date` columns travel as 'YYYY-MM-DD' strings so no time zone can shift them. */
type DateOnly = ColumnType<string, string, string>;

export type Locale = "en" | "ja";
export type NeedStatus = "draft" | "live" | "funded" | "purchased" | "delivered" | "closed" | "cancelled";
export type DonationStatus = "pending" | "succeeded" | "failed" | "expired";
export type MemberRole = "owner" | "organiser";
export type LifecycleStep = "purchased" | "delivered" | "closed";

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string | null;
  display_name: Generated<string>;
  locale: Generated<Locale>;
  created_at: Timestamp;
}

export interface OrganisationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  summary: Generated<string>;
  about: Generated<string>;
  website: string | null;
  region: Generated<string>;
  contact_email: string | null;
  stripe_account_id: string | null;
  charges_enabled: Generated<boolean>;
  platform_fee_bps: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrganisationMembersTable {
  organisation_id: number;
  user_id: number;
  role: MemberRole;
  created_at: Timestamp;
}

export interface NeedsTable {
  id: Generated<number>;
  organisation_id: number;
  slug: string;
  title: string;
  summary: Generated<string>;
  story: Generated<string>;
  currency: Generated<string>;
  deadline: DateOnly | null;
  surplus_policy: Generated<string>;
  status: Generated<NeedStatus>;
  published_at: NullableTimestamp;
  funded_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ItemsTable {
  id: Generated<number>;
  need_id: number;
  position: number;
  name: string;
  description: Generated<string>;
  quantity: number;
  unit_cost: number;
  substituted_by_item_id: number | null;
  created_at: Timestamp;
}

export interface DonationsTable {
  id: Generated<number>;
  need_id: number;
  item_id: number | null;
  amount: number;
  fee_cover: Generated<number>;
  currency: string;
  donor_name: Generated<string>;
  donor_email: string;
  show_name: Generated<boolean>;
  message: Generated<string>;
  updates_opt_in: Generated<boolean>;
  locale: Generated<Locale>;
  status: Generated<DonationStatus>;
  refunded_amount: Generated<number>;
  disputed_amount: Generated<number>;
  dispute_status: string | null;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
  stripe_account_id: string | null;
  created_at: Timestamp;
  succeeded_at: NullableTimestamp;
}

export interface UpdatesTable {
  id: Generated<number>;
  organisation_id: number;
  need_id: number | null;
  title: string;
  body: Generated<string>;
  event_date: DateOnly;
  published_at: NullableTimestamp;
  lifecycle_step: LifecycleStep | null;
  spend_note: Generated<string>;
  created_at: Timestamp;
  edited_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface DB {
  users: UsersTable;
  organisations: OrganisationsTable;
  organisation_members: OrganisationMembersTable;
  needs: NeedsTable;
  items: ItemsTable;
  donations: DonationsTable;
  updates: UpdatesTable;
}
