import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";

/**
 * The benchmark's baseline (bench/README.md): the smallest page this app can serve — root
 * loader, layout and document, one route loader without a query — so `npm run bench` can
 * report the need page as a share of the framework's own ceiling in the same server.
 * Not a page of the product: 404 unless BENCH_ROUTES=1.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  if (!context.env.BENCH_ROUTES) throw new Response("Not Found", { status: 404 });
  return { message: "bare" };
}

export const meta: MetaFunction = () => [{ title: "Bare page" }];

export default function BarePage() {
  const { message } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>{message}</h1>
    </section>
  );
}
