import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The image runs .next/standalone/server.js: the server and only the node_modules it needs.
  output: "standalone",
  poweredByHeader: false,
  // pg and pino load optional modules at run time; bundling them breaks those lookups.
  serverExternalPackages: ["pg", "pino", "@prisma/adapter-pg", "prom-client"],
};

export default nextConfig;
