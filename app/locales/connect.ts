/**
 * Strings for connect (issue 5). Every key starts with "payments." so merging
 * dictionaries in index.ts can never override another area's key.
 */
export const connectEn = {
  "payments.nav.payments": "Payments",
  "payments.nav.donations": "Donations",

  "payments.title": "Payments",
  "payments.intro":
    "Donations are paid straight into your organisation's own Stripe account. Your organisation is the merchant of record and pays Stripe's fees; Tomoni never holds the money.",
  "payments.demoMode": "Demo payments are on: connecting is simulated and no real money moves.",
  "payments.status.heading": "Status",
  "payments.status.donations": "Donations",
  "payments.state.not_connected": "Not connected",
  "payments.state.not_connected.hint": "Connect a Stripe account before publishing needs.",
  "payments.state.onboarding": "Onboarding incomplete",
  "payments.state.onboarding.hint": "Stripe needs more details before this organisation can accept donations.",
  "payments.state.onboarding.review": "Your details are submitted; Stripe is checking them. This page updates when Stripe has finished.",
  "payments.state.ready": "Ready to accept donations",
  "payments.status.payouts": "Payouts to your bank",
  "payments.payouts.enabled": "Enabled",
  "payments.payouts.disabled": "Not enabled yet",
  "payments.status.account": "Stripe account",
  "payments.connect": "Connect with Stripe",
  "payments.continue": "Continue onboarding",
  "payments.connect.hint": "You will go to Stripe to create or sign in to your organisation's Stripe account, then come back here.",
  "payments.ownersOnly": "Only owners of this organisation can connect a Stripe account. Ask an owner to do it.",
  "payments.dashboardLink": "Open your Stripe Dashboard",
  "payments.notice.returned": "Welcome back. The status below is what Stripe reports now.",
  "payments.notice.completed": "Onboarding complete: this organisation can accept donations.",
  "payments.notice.syncFailed": "We could not ask Stripe for the latest status just now. It will update by itself shortly.",
  "payments.error.stripe": "Stripe could not be reached, so nothing changed. Please try again in a moment.",
  "payments.error.notStarted": "Start by connecting with Stripe on the payments page.",

  "payments.demo.title": "Demo Stripe onboarding — no real money",
  "payments.demo.intro":
    "Demo payments are on, so this page stands in for Stripe's onboarding. Nothing is sent to Stripe. Completing it lets {name} accept demo donations.",
  "payments.demo.account": "Demo account: {account}",
  "payments.demo.complete": "Complete onboarding",
  "payments.demo.back": "Back to payments without finishing",

  "payments.rule.notReady": "This organisation cannot accept donations yet: connect a Stripe account on the payments page before publishing.",
  "payments.publish.notice": "Before this need can be published, your organisation must connect a Stripe account that can accept donations.",
  "payments.publish.link": "Set up payments",
} as const;

export const connectJa: Record<keyof typeof connectEn, string> = {
  "payments.nav.payments": "決済",
  "payments.nav.donations": "寄付",

  "payments.title": "決済",
  "payments.intro":
    "寄付は団体ご自身の Stripe アカウントに直接支払われます。団体が販売事業者となり、Stripe の手数料も団体のご負担です。Tomoni がお金を預かることはありません。",
  "payments.demoMode": "デモ決済が有効です。連携は模擬的なもので、実際のお金は動きません。",
  "payments.status.heading": "状態",
  "payments.status.donations": "寄付の受け付け",
  "payments.state.not_connected": "未連携",
  "payments.state.not_connected.hint": "募集を公開する前に、Stripe アカウントを連携してください。",
  "payments.state.onboarding": "登録手続きが完了していません",
  "payments.state.onboarding.hint": "寄付を受け付けるには、Stripe にさらに情報を登録する必要があります。",
  "payments.state.onboarding.review": "情報は送信済みで、Stripe が確認中です。確認が終わるとこのページに反映されます。",
  "payments.state.ready": "寄付を受け付けられます",
  "payments.status.payouts": "銀行口座への入金",
  "payments.payouts.enabled": "有効",
  "payments.payouts.disabled": "まだ有効になっていません",
  "payments.status.account": "Stripe アカウント",
  "payments.connect": "Stripe と連携する",
  "payments.continue": "登録手続きを続ける",
  "payments.connect.hint": "Stripe のページに移動して、団体の Stripe アカウントを作成するかログインし、このページに戻ってきます。",
  "payments.ownersOnly": "Stripe アカウントを連携できるのは、この団体のオーナーだけです。オーナーに依頼してください。",
  "payments.dashboardLink": "Stripe ダッシュボードを開く",
  "payments.notice.returned": "おかえりなさい。以下は Stripe から取得した現在の状態です。",
  "payments.notice.completed": "登録手続きが完了しました。この団体は寄付を受け付けられます。",
  "payments.notice.syncFailed": "いま Stripe から最新の状態を取得できませんでした。まもなく自動的に更新されます。",
  "payments.error.stripe": "Stripe に接続できなかったため、何も変更されていません。しばらくしてからもう一度お試しください。",
  "payments.error.notStarted": "まず決済のページで Stripe と連携してください。",

  "payments.demo.title": "デモ用 Stripe 登録手続き — 実際のお金は動きません",
  "payments.demo.intro":
    "デモ決済が有効なため、このページが Stripe の登録手続きの代わりになります。Stripe には何も送信されません。手続きを完了すると、{name} はデモの寄付を受け付けられるようになります。",
  "payments.demo.account": "デモアカウント：{account}",
  "payments.demo.complete": "登録手続きを完了する",
  "payments.demo.back": "完了せずに決済のページに戻る",

  "payments.rule.notReady": "この団体はまだ寄付を受け付けられません。公開する前に、決済のページで Stripe アカウントを連携してください。",
  "payments.publish.notice": "この募集を公開するには、まず団体が寄付を受け付けられる Stripe アカウントを連携する必要があります。",
  "payments.publish.link": "決済を設定する",
};
