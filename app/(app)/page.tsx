import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/guards";

export default async function HomePage() {
  await requireUser();
  redirect("/connections");
}
