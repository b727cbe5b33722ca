# syntax=docker/dockerfile:1
# The CMA processing service, compiled: `node dist/main.js`, no TypeScript at run time.
#   docker build -t cma-processing --build-arg BUILD_COMMIT=$(git rev-parse HEAD) .
# See compose.yaml for PostgreSQL, Redis, two API processes and two workers.

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20.20-bookworm-slim AS runtime
ARG BUILD_COMMIT
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data \
    BUILD_COMMIT=${BUILD_COMMIT}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# DATA_DIR: only where documents of a pre-database version are read from once (documents live in PostgreSQL).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
# /readyz: the process answers and its database does (503 otherwise).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
