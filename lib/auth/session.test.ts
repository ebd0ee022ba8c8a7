import { describe, expect, it } from "vitest";
import { sessionForPages } from "./session";

// What Auth.js's database strategy hands the session callback: the session row (with the
// cookie's value) merged with the user row, and the user row again.
const user = { id: "u1", name: "Alice Owner", email: "alice@example.com", emailVerified: null, image: "https://gitlab.example/alice.png" };
const expires = new Date("2030-01-02T03:04:05.000Z");
const row = { id: "s1", sessionToken: "the-httponly-cookie-value", userId: "u1", expires, createdAt: new Date(), updatedAt: new Date() };

describe("sessionForPages", () => {
  it("keeps the session token, row ids and the user's other columns on the server", () => {
    const session = { ...row, user };
    const body = JSON.stringify(sessionForPages({ session, user }));
    expect(body).not.toContain("the-httponly-cookie-value");
    expect(JSON.parse(body)).toEqual({
      user: { id: "u1", name: "Alice Owner", email: "alice@example.com", image: "https://gitlab.example/alice.png" },
      expires: "2030-01-02T03:04:05.000Z",
    });
  });

  it("passes a user without name or picture as nulls, as Auth.js's own session does", () => {
    const bare = { ...user, name: undefined, image: undefined };
    const session = { ...row, user: bare };
    expect(sessionForPages({ session, user: bare }).user).toEqual({ id: "u1", name: null, email: "alice@example.com", image: null });
  });
});
