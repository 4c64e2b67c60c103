# The receiver and the worker are one image; the compose file picks the entry point.
# Stage 1 compiles TypeScript to dist/ and bundles the workflows (`npm run build`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts/build.ts ./scripts/build.ts
RUN npm run build

# Stage 2 holds only what runs: production dependencies and the build's output.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
# The worker finds dist/workflow-bundle.js beside its code and runs no bundler at start.
CMD ["node", "dist/src/entry/receiver.js"]
