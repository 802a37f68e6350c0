/**
 * A small, believable world for a fresh machine, from the story in design.md.
 * Organisations are fictional. Dates are relative to the day of seeding so the demo
 * never shows a need that ended long ago. Amounts are integer minor units (JPY).
 * Beneficiaries are never named, shown or located: updates speak of "a resident".
 * Backers with updatesOptIn get an active subscription to their need, in their own language.
 */

export interface DemoDonation {
  key: string;
  amount: number;
  donorName: string;
  donorEmail: string;
  showName: boolean;
  message?: string;
  locale: "en" | "ja";
  updatesOptIn: boolean;
  daysAgo: number;
  /** Index into the need's items, for a gift aimed at one item. */
  itemIndex?: number;
}

export interface DemoNeed {
  slug: string;
  title: string;
  summary: string;
  story: string;
  surplusPolicy: string;
  status: "live" | "closed";
  publishedDaysAgo: number;
  /** For a closed need: when the organisers completed it (the other steps are dated by its updates). */
  closedDaysAgo?: number;
  /** Days from seeding; negative means it already passed. */
  deadlineInDays: number | null;
  items: { name: string; description?: string; quantity: number; unitCost: number }[];
  donations: DemoDonation[];
  updates: { title: string; body: string; eventDaysAgo: number; publishedDaysAgo: number; lifecycleStep?: "purchased" | "delivered" | "closed"; spendNote?: string }[];
}

export interface DemoOrganisation {
  slug: string;
  name: string;
  summary: string;
  about: string;
  region: string;
  website: string | null;
  needs: DemoNeed[];
}

const backer = (
  key: string,
  amount: number,
  donorName: string,
  extra: Partial<DemoDonation> = {},
): DemoDonation => ({
  key,
  amount,
  donorName,
  donorEmail: `${key}@example.org`,
  showName: true,
  locale: "en",
  updatesOptIn: true,
  daysAgo: 10,
  ...extra,
});

export const DEMO_ORGANISATIONS: DemoOrganisation[] = [
  {
    slug: "yodogawa-refuge-network",
    name: "Yodogawa Refuge Network",
    summary: "Volunteers in Osaka supporting refugees and asylum seekers after release from immigration detention.",
    about:
      "We are a volunteer network in Osaka. People granted provisional release from immigration detention may not work and often wait months for support, so we run a small shared shelter and visit people living elsewhere in the city.\n\nFood comes from a Food Bank every other week. Everything else comes from people like you.",
    region: "Osaka",
    website: null,
    needs: [
      {
        slug: "refrigerator-for-the-shelter",
        title: "Refrigerator for the shelter",
        summary: "Food Bank deliveries arrive every other week, but the shelter has no refrigerator — food cannot be kept even a day.",
        story:
          "Our shelter houses people on **provisional release** from immigration detention. They are not allowed to work, and public support takes months.\n\nA Food Bank delivers rice, vegetables and milk every other week. Without a refrigerator, fresh food spoils before it can be eaten, and we have had to turn some deliveries away.\n\nA family-size refrigerator, delivered and installed, with containers to store portions, lets residents — and people we support who live outside the shelter — eat properly between deliveries.",
        surplusPolicy: "Anything above the goal goes to the shelter's food fund (rice, cooking oil, fresh vegetables).",
        status: "live",
        publishedDaysAgo: 24,
        deadlineInDays: 38,
        items: [
          { name: "Refrigerator (400 L, energy-efficient)", description: "Large enough for a shared kitchen of six.", quantity: 1, unitCost: 78_000 },
          { name: "Delivery and installation", description: "Third-floor walk-up; includes taking the packaging away.", quantity: 1, unitCost: 6_000 },
          { name: "Food storage containers", description: "Sets of lidded containers for portions.", quantity: 10, unitCost: 800 },
        ],
        donations: [
          backer("aiko", 10_000, "Aiko M.", { message: "Wishing everyone warm meals this winter.", locale: "ja", daysAgo: 22 }),
          backer("tom", 5_000, "Tom", { daysAgo: 20 }),
          backer("anon1", 3_000, "Kenji S.", { showName: false, locale: "ja", daysAgo: 18 }),
          backer("sara", 8_000, "Sara and friends", { message: "From our Sunday running club.", daysAgo: 15 }),
          backer("yuki", 3_000, "Yuki", { locale: "ja", daysAgo: 9, itemIndex: 2 }),
          backer("anon2", 12_000, "Anonymous donor", { showName: false, updatesOptIn: false, daysAgo: 6 }),
          backer("hiro", 5_000, "Hiro T.", { message: "頑張ってください。", locale: "ja", daysAgo: 2 }),
        ],
        updates: [
          {
            title: "A resident moves in soon — the fridge is now urgent",
            body: "A man who was detained for about two years has been granted provisional release. He will live in the shelter from next week.\n\nWith one more person to feed, storing the Food Bank deliveries matters more than ever. Donations are still very welcome — thank you to everyone who has given so far.",
            eventDaysAgo: 12,
            publishedDaysAgo: 12,
          },
          {
            title: "We have chosen the refrigerator",
            body: "An electrical shop near the shelter has agreed to hold a 400 L model for us at ¥78,000, and to carry it up to the third floor. We will order it as soon as the goal is reached.",
            eventDaysAgo: 4,
            publishedDaysAgo: 3,
          },
        ],
      },
      {
        slug: "winter-futons",
        title: "Winter futons for the shelter",
        summary: "Four futon sets so that nobody sleeps on a thin mat through the Osaka winter.",
        story: "Last winter the shelter had only thin mats. Four futon sets — mattress, duvet and cover — keep residents warm through the cold months.",
        surplusPolicy: "Any surplus went to the shelter's heating bill.",
        status: "closed",
        publishedDaysAgo: 330,
        closedDaysAgo: 298,
        deadlineInDays: -290,
        items: [{ name: "Futon set (mattress, duvet, cover)", quantity: 4, unitCost: 14_500 }],
        donations: [
          backer("mariko", 30_000, "Mariko", { locale: "ja", daysAgo: 320, updatesOptIn: true }),
          backer("ben", 20_000, "Ben", { daysAgo: 315 }),
          backer("anon3", 10_000, "Anonymous donor", { showName: false, daysAgo: 312 }),
        ],
        updates: [
          {
            title: "Futons bought",
            body: "We bought four futon sets from a local bedding shop.",
            eventDaysAgo: 305,
            publishedDaysAgo: 305,
            lifecycleStep: "purchased",
            spendNote: "Bought for ¥58,000; the ¥2,000 left went to the heating bill.",
          },
          {
            title: "Everyone sleeps warm",
            body: "The futons are in use. Thank you — the residents asked us to pass on their thanks.",
            eventDaysAgo: 300,
            publishedDaysAgo: 299,
            lifecycleStep: "delivered",
          },
        ],
      },
    ],
  },
  {
    slug: "hinata-letters-and-homework",
    name: "ひなた手紙と宿題の会",
    summary: "入管収容施設にいる人への手紙と、外国にルーツのある子どもたちの日本語の宿題を手伝うボランティアグループです。",
    about:
      "名古屋を拠点に、収容されている人たちへ手紙を書き、面会の交通費を支え、放課後には外国にルーツのある子どもたちの日本語の宿題を手伝っています。",
    region: "愛知県名古屋市",
    website: null,
    needs: [
      {
        slug: "workbooks-stamps-and-bus-fares",
        title: "春学期の日本語ドリル・切手・バス代",
        summary: "子どもたちの日本語ドリル、収容されている人への手紙の切手、面会に行くためのバス代。",
        story:
          "毎週木曜日の宿題教室には、12人ほどの子どもたちが来ています。学年に合った日本語ドリルがあると、一人ひとりのペースで進められます。\n\nまた、収容施設にいる人たちへ毎月手紙を送っています。面会にはバスで片道1時間かかります。",
        surplusPolicy: "目標を超えた分は、次の学期のドリル代に充てます。",
        status: "live",
        publishedDaysAgo: 9,
        deadlineInDays: 60,
        items: [
          { name: "日本語ドリル（小学生向け）", quantity: 15, unitCost: 1_200 },
          { name: "切手（110円）", quantity: 100, unitCost: 110 },
          { name: "面会のためのバス代（往復）", quantity: 20, unitCost: 920 },
        ],
        donations: [
          backer("nao", 5_000, "なお", { locale: "ja", daysAgo: 7, message: "子どもたちを応援しています！" }),
          backer("emily", 3_000, "Emily", { daysAgo: 5, itemIndex: 1 }),
        ],
        updates: [],
      },
    ],
  },
];

export interface DemoOrganiser {
  email: string;
  password: string;
  displayName: string;
}

/**
 * One organiser login, owner of every demo organisation, so the dashboard can be tried at
 * once. The password is public (README): demo content is off in production unless opted into.
 */
export const DEMO_ORGANISER: DemoOrganiser = {
  email: "organiser@tomoni.example",
  password: "tomoni-demo-organiser",
  displayName: "Demo organiser",
};
