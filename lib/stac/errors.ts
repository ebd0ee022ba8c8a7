/**
 * A STAC API refusal in the shape STAC and OGC API - Features clients read:
 * `{"code": …, "description": …}` with the HTTP status.
 */
export class StacError extends Error {
  override name = "StacError";
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }

  body(): { code: string; description: string } {
    return { code: this.code, description: this.message };
  }
}

export const badRequest = (description: string) => new StacError(400, "InvalidParameterValue", description);
export const notFound = (description: string) => new StacError(404, "NotFound", description);
