/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  // Opt in to React Router v7 behaviour now, so the upgrade later is a rename.
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
  // NOTE: PGlite ships wasm and data files next to its JS; bundling it loses them,
  // so server dependencies stay external (the classic compiler's default).
};
