import NextAuth from "next-auth";
import { buildAuthOptions } from "@/lib/auth/options";

// Built per request (not at import): the options read configuration, which must not
// be required while `next build` collects route information.
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(request as never, { params: await context.params } as never, buildAuthOptions());
}

export { handler as GET, handler as POST };
