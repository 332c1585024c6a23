# The Meridian agent image: what `meridian export k8s` runs (kubernetes.image in the topology).
#   docker build --build-arg NODE_DIGEST=sha256:<64 hex> -t registry.example.com/meridian:0.1.0 .
# It runs the compiled JavaScript (dist/, from `npm run build`) with the production dependencies
# only: no TypeScript, no tsx. Two build stages keep compilers out of the image: tsc (with the
# devDependencies) and the native UDP transport of the DNS server (native/udp-batch). Without the
# addon the agent would serve DNS on node:dgram (about 0.4x the queries per CPU-second) and log why.

# The base image is pinned by digest: a tag such as node:20-bookworm-slim is pushed again with
# every Node or Debian update (and could be by anyone who got write access to it), a digest
# names one image. No digest is written here because none could be verified when this was
# written (no registry was reachable); take the image index's digest (the "Digest:" line) from
#   docker buildx imagetools inspect node:20-bookworm-slim
# and pass it as NODE_DIGEST (in CI, keep it in one place and update it on purpose). Without it
# the build stops at the first FROM ("invalid reference format"): it never falls back to the tag.
# bookworm (Debian 12) like the machines scripts/setup.sh prepares; test/unit/cli/dockerfile.test.ts
# checks that every FROM keeps this digest.
ARG NODE_DIGEST
FROM node:20-bookworm-slim@${NODE_DIGEST} AS build
WORKDIR /opt/meridian
COPY package.json package-lock.json ./
# No install scripts: tsc needs none (esbuild's, for tsx, is for development).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/build.js
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim@${NODE_DIGEST} AS native
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/meridian
COPY native ./native
# npm's own node-gyp, against the headers the node image ships (no download).
RUN node /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild -C native/udp-batch --nodedir=/usr/local

FROM node:20-bookworm-slim@${NODE_DIGEST}
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
