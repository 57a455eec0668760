/** @type {import('next').NextConfig} */
const nextConfig = {
  // A self-contained server.js plus only the traced node_modules, for a small image.
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  // No next/image in use; skip the optimizer (and its on-disk cache).
  images: { unoptimized: true },
  // Linting is not part of the production build; type checking still is.
  eslint: { ignoreDuringBuilds: true },
  // The build traces these in, but the running server never loads them: sharp only
  // serves the image optimizer (disabled above) and typescript only the build.
  outputFileTracingExcludes: {
    "*": ["node_modules/typescript/**", "node_modules/sharp/**", "node_modules/@img/**"],
  },
};

export default nextConfig;
