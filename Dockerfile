# fleetcert control server image: one image, two services (api, worker).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/dashboard/dist ./apps/dashboard/dist
COPY --from=build /app/prisma ./prisma
USER node
EXPOSE 3000
# The npm scripts carry the shipped Node flags and malloc setting (a 192 MiB heap limit, a fixed
# malloc mmap threshold: scripts/node-flags.ts).
# Run `npm run start:worker` for the worker; do not replace them with a bare `node …`.
CMD ["npm", "run", "start:api"]
