import { describe, expect, it } from "vitest";
import { describeDatabase } from "./connections";

describe("describeDatabase", () => {
  it("names the database and server without the credentials", () => {
    const described = describeDatabase("postgresql://hub:s3cret@db.internal:5432/hub?sslmode=require");

    expect(described).toBe("hub on db.internal:5432");
    expect(described).not.toContain("s3cret");
  });

  it("does not echo a URL it cannot parse", () => {
    expect(describeDatabase("hub:s3cret@nowhere")).toBe("(not a postgresql:// URL)");
    expect(describeDatabase("not a url s3cret")).toBe("(not a postgresql:// URL)");
  });
});
