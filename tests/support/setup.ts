import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { mswServer, unhandledRequests } from "./msw";

// Every outgoing HTTP request goes through msw; one nobody expected fails the test.
beforeAll(() => mswServer.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => {
  mswServer.resetHandlers();
  const stray = unhandledRequests.splice(0);
  if (stray.length > 0) throw new Error(`Unhandled outgoing request(s): ${stray.join(", ")}`);
});
afterAll(() => mswServer.close());

// A console.error nobody expected is a bug the test did not look at: fail on it.
let consoleErrors: unknown[][] = [];
beforeAll(() => {
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args);
  });
});
afterEach(() => {
  const errors = consoleErrors;
  consoleErrors = [];
  if (errors.length > 0) throw new Error(`console.error was called: ${errors.map((a) => a.map(String).join(" ")).join(" | ")}`);
});
