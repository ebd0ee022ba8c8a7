import pino, { type Logger } from "pino";
import { config } from "./config";

let root: Logger | undefined;

/** One JSON logger for the hub; credentials are redacted wherever they appear in a logged object. */
export function logger(): Logger {
  root ??= pino({
    level: config().LOG_LEVEL,
    base: { service: "hub" },
    redact: {
      paths: ["*.authorization", "*.cookie", "*.token", "*.access_token", "*.refresh_token", "*.id_token", "*.password", "headers.authorization", "headers.cookie"],
      censor: "[redacted]",
    },
  });
  return root;
}
