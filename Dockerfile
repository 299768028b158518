# syntax=docker/dockerfile:1
# Build stage: install everything, compile the gateway's sources (src/ only: no tests, demo or bench).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npx tsc -p tsconfig.build.json && node scripts/copy-assets.js && npm prune --omit=dev

# Runtime stage: production dependencies and compiled code only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY bundled ./bundled
COPY protos ./protos
# The image's built-in unprivileged user (uid 1000); the Kubernetes manifests run as it too.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form), so the gateway drains and exits 0.
ENTRYPOINT ["node", "--single-threaded-gc", "dist/src/cli/main.js"]
CMD ["serve", "--proto-path", "protos", "--listen", "0.0.0.0:8080", "--backend", "backend:50051"]
