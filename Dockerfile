# The receiver and the worker are one image; the compose file picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
# Bundle the workflows at build time, so a worker starts without running webpack.
RUN node --import tsx -e "import('@temporalio/worker').then(async ({ bundleWorkflowCode }) => { const { workflowsPath } = await import('./src/worker.ts'); const { code } = await bundleWorkflowCode({ workflowsPath }); require('node:fs').writeFileSync('/app/workflow-bundle.js', code); })"
ENV WORKFLOW_BUNDLE_PATH=/app/workflow-bundle.js
USER node
CMD ["node", "--import", "tsx", "src/entry/receiver.ts"]
