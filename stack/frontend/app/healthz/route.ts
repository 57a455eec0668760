// Liveness of the Next.js process itself, for the container healthcheck.
// Dynamic so it is answered by the running server, not a file prerendered at build.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
