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
  details_submitted: Generated<boolean>;
  payouts_enabled: Generated<boolean>;
  stripe_account_synced_at: number | null;
  /** The organisation's own platform fee in basis points; NULL: the platform's PLATFORM_FEE_BPS, 0: none. */
  platform_fee_bps: Generated<number | null>;
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
  purchased_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  closed_at: NullableTimestamp;
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
  submission_token: string | null;
  application_fee: Generated<number>;
  checkout_url: string | null;
  checkout_expires_at: NullableTimestamp;
  stripe_charge_id: string | null;
  created_at: Timestamp;
  succeeded_at: NullableTimestamp;
  failed_at: NullableTimestamp;
  updated_at: Timestamp;
}

export type StripeEventOutcome = "processed" | "ignored" | "parked";

export interface StripeEventsTable {
  id: string;
  type: string;
  account_id: string | null;
  livemode: Generated<boolean>;
  created: number;
  outcome: StripeEventOutcome;
  detail: Generated<string>;
  donation_id: number | null;
  received_at: Timestamp;
}

export interface PaymentRefundsTable {
  stripe_refund_id: string;
  payment_intent_id: string;
  amount: number;
  currency: string;
  status: string;
  status_at: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentDisputesTable {
  stripe_dispute_id: string;
  payment_intent_id: string;
  amount: number;
  currency: string;
  status: string;
  status_at: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentChargeRefundsTable {
  payment_intent_id: string;
  amount_refunded: number;
  status_at: number;
  updated_at: Timestamp;
}

export interface GoalMetNotificationsTable {
  need_id: number;
  email: string;
  created_at: Timestamp;
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
  author_id: number | null;
  consent_confirmed: Generated<boolean>;
  /** The new-update form's submission (token + digest of the content): one draft per submission. */
  submission_key: string | null;
  created_at: Timestamp;
  edited_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export type OutboxStatus = "queued" | "sending" | "sent" | "dead" | "suppressed";
export type SubscriptionStatus = "pending" | "active" | "unsubscribed";
export type SuppressionReason = "unsubscribed" | "bounced" | "complained";
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string | Record<string, unknown>>;

export interface SubscriptionsTable {
  id: Generated<number>;
  email: string;
  organisation_id: number;
  need_id: number | null;
  token: string;
  locale: Generated<Locale>;
  status: Generated<SubscriptionStatus>;
  source: Generated<"donation" | "follow">;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
}

export interface EmailSuppressionsTable {
  id: Generated<number>;
  email: string;
  /** 'all', 'organisation:<id>' or 'need:<id>'. */
  scope: string;
  reason: SuppressionReason;
  source_event_id: string | null;
  created_at: Timestamp;
}

export interface OutboxEmailsTable {
  id: Generated<number>;
  idempotency_key: string;
  kind: string;
  recipient: string;
  locale: Locale;
  props: Json;
  transactional: Generated<boolean>;
  subscription_id: number | null;
  batch_key: string | null;
  send_key: string | null;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_expires_at: NullableTimestamp;
  provider_message_id: string | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: NullableTimestamp;
}

export interface MailboxMessagesTable {
  id: Generated<number>;
  idempotency_key: string;
  message_id: string;
  sender: string;
  recipient: string;
  subject: string;
  html: string;
  text: string;
  headers: Json;
  locale: Generated<string>;
  created_at: Timestamp;
}

export interface EmailSendPacingTable {
  id: number;
  next_slot: Timestamp;
}

export interface ResendEventsTable {
  svix_id: string;
  type: string;
  received_at: Timestamp;
}

export interface SessionsTable {
  id_hash: string;
  user_id: number;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Date | string;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Date | string;
  used_at: NullableTimestamp;
}

export interface SignupRequestsTable {
  token_hash: string;
  email: string;
  display_name: Generated<string>;
  password_hash: string;
  locale: Locale;
  redirect_to: Generated<string>;
  created_at: Timestamp;
  expires_at: Date | string;
  used_at: NullableTimestamp;
}

export interface InvitationsTable {
  token_hash: string;
  organisation_id: number;
  email: string;
  role: MemberRole;
  invited_by: number | null;
  created_at: Timestamp;
  expires_at: Date | string;
  accepted_at: NullableTimestamp;
  accepted_by: number | null;
}

export interface RateLimitHitsTable {
  bucket: string;
  window_start: Date | string;
  hits: Generated<number>;
}

export interface DB {
  users: UsersTable;
  organisations: OrganisationsTable;
  organisation_members: OrganisationMembersTable;
  needs: NeedsTable;
  items: ItemsTable;
  donations: DonationsTable;
  updates: UpdatesTable;
  subscriptions: SubscriptionsTable;
  email_suppressions: EmailSuppressionsTable;
  outbox_emails: OutboxEmailsTable;
  mailbox_messages: MailboxMessagesTable;
  email_send_pacing: EmailSendPacingTable;
  resend_events: ResendEventsTable;
  sessions: SessionsTable;
  password_resets: PasswordResetsTable;
  signup_requests: SignupRequestsTable;
  invitations: InvitationsTable;
  rate_limit_hits: RateLimitHitsTable;
  stripe_events: StripeEventsTable;
  payment_refunds: PaymentRefundsTable;
  payment_disputes: PaymentDisputesTable;
  payment_charge_refunds: PaymentChargeRefundsTable;
  goal_met_notifications: GoalMetNotificationsTable;
}
