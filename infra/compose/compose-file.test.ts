import { describe, expect, it } from "vitest";
import { interpolate, InterpolationError, referencedVariables } from "./compose-file.ts";

// The other tests read the compose file through this interpolation, so it has to
// follow the Compose Specification's rules (docs.docker.com, "Interpolation").
describe("Compose interpolation", () => {
  const env = { SET: "value", EMPTY: "", HOST: "example.org" };

  it("substitutes braced and bare variables, and an unset one by nothing", () => {
    expect(interpolate("a ${SET} $SET ${UNSET}.", env)).toBe("a value value .");
  });

  it("uses a default for an unset variable, and with a colon for an empty one too", () => {
    expect(interpolate("${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:-d}", env)).toBe("d  d value");
  });

  it("evaluates nested variables in a default only when the default is used", () => {
    expect(interpolate("${UNSET:-https://${HOST}/x}", env)).toBe("https://example.org/x");
    expect(interpolate("${SET:-${UNSET:?never evaluated}}", env)).toBe("value");
  });

  it("refuses a required variable that is unset or, with a colon, empty", () => {
    expect(() => interpolate("${EMPTY:?set EMPTY}", env)).toThrow(new InterpolationError("required variable EMPTY is missing a value: set EMPTY"));
    expect(interpolate("${EMPTY?set EMPTY}", env)).toBe("");
    expect(() => interpolate("${UNSET?set it}", env)).toThrow(InterpolationError);
  });

  it("replaces with the alternative only when the variable is set", () => {
    expect(interpolate("[${SET:+alt}][${EMPTY:+alt}][${EMPTY+alt}][${UNSET+alt}]", env)).toBe("[alt][][alt][]");
  });

  it("keeps $$ as a literal dollar and does not read a variable behind it", () => {
    expect(interpolate("$${SET} $$SET", env)).toBe("${SET} $SET");
    expect(referencedVariables("$${SET} $$SET ${A:-${B}} $C")).toEqual(["A", "B", "C"]);
  });
});
