import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The image runs .next/standalone/server.js: the server and only the node_modules it needs.
  output: "standalone",
  poweredByHeader: false,
  // The test command type-checks the whole repository (tsc --noEmit) as its own step; the build
  // need not, and must not fail on a test suite's types.
  typescript: { ignoreBuildErrors: true },
  // pg and pino load optional modules at run time; bundling them breaks those lookups.
  serverExternalPackages: ["pg", "pino", "@prisma/adapter-pg", "prom-client"],
};

export default nextConfig;
