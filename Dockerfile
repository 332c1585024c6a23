# The Meridian agent image: what `meridian export k8s` runs (kubernetes.image in the topology).
#   docker build -t registry.example.com/meridian:0.1.0 .
# It runs the compiled JavaScript (dist/, from `npm run build`) with the production dependencies
# only: no TypeScript, no tsx. Two build stages keep compilers out of the image: tsc (with the
# devDependencies) and the native UDP transport of the DNS server (native/udp-batch). Without the
# addon the agent would serve DNS on node:dgram (about 0.4x the queries per CPU-second) and log why.
FROM node:20-slim AS build
WORKDIR /opt/meridian
COPY package.json package-lock.json ./
# No install scripts: tsc needs none (esbuild's, for tsx, is for development).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/build.js
COPY src ./src
RUN npm run build

FROM node:20-slim AS native
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/meridian
COPY native ./native
# npm's own node-gyp, against the headers the node image ships (no download).
RUN node /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild -C native/udp-batch --nodedir=/usr/local

FROM node:20-slim
WORKDIR /opt/meridian
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# bin/meridian.js runs dist/ (there is no src/ here to be newer than it).
COPY bin ./bin
COPY --from=build /opt/meridian/dist ./dist
COPY --from=native /opt/meridian/native/udp-batch/build/Release/udp_batch.node ./native/udp-batch/build/Release/udp_batch.node

ENV NODE_ENV=production
# node's own user; the k8s export runs the pod as uid/gid 1000 with runAsNonRoot and a
# read-only root filesystem.
USER 1000:1000
ENTRYPOINT ["node", "/opt/meridian/bin/meridian.js"]
CMD ["--help"]
