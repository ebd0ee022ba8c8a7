"use server";

import { signIn, signOut } from "@/auth";
import { safeReturnPath } from "@/lib/dashboard/safe-return";

export async function signInWithGitLab(form?: FormData) {
  await signIn("gitlab", { redirectTo: safeReturnPath(form?.get("callbackUrl")) });
}

export async function signOutOfHub() {
  await signOut({ redirectTo: "/" });
}
