# syntax=docker/dockerfile:1
# The db-review GitHub App. `docker build -t db-review .`; README.md, "Docker", says how to run it.
# For reproducible builds, pin the base image by digest:
#   docker build --build-arg NODE_IMAGE=node:20-bookworm-slim@sha256:<digest> -t db-review .
ARG NODE_IMAGE=node:20-bookworm-slim

# tsx runs the TypeScript sources as they are and checks no types, so the types are checked
# here, with the dev dependencies: an image is only built from sources that type-check.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npx tsc --noEmit -p tsconfig.json

# Production dependencies only. The one install script (esbuild's, for tsx) is not needed: npm
# installs esbuild's binary for this platform as an optional dependency.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DB_REVIEW_CACHE_DIR=/var/cache/db-review
RUN mkdir -p /var/cache/db-review && chown node:node /var/cache/db-review
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json /app/app.yml ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/rules ./rules
COPY --from=build /app/src ./src
USER node
EXPOSE 3000
# Probot answers GET /ping with PONG. The slim image has no curl: node asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1, not npm (which does not pass SIGTERM on): src/start.ts stops gracefully on it.
CMD ["node", "--import", "tsx", "src/start.ts"]
