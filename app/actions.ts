"use server";

import { signIn, signOut } from "@/auth";

export async function signInWithGitLab() {
  await signIn("gitlab", { redirectTo: "/" });
}

export async function signOutOfHub() {
  await signOut({ redirectTo: "/" });
}
