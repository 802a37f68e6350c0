import { setupServer } from "msw/node";

/** Outgoing requests that no handler claimed (loopback to our own test servers is allowed). */
export const unhandledRequests: string[] = [];

export const mswServer = setupServer();

mswServer.events.on("request:unhandled", ({ request }) => {
  const url = new URL(request.url);
  if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return;
  unhandledRequests.push(`${request.method} ${url.origin}${url.pathname}`);
});
