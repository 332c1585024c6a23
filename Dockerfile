# The Meridian agent image: what `meridian export k8s` runs (kubernetes.image in the topology).
#   docker build -t registry.example.com/meridian:0.1.0 .
# The sources run through tsx (a runtime dependency), as `npx meridian` does: no build step,
# except the native UDP transport of the DNS server (native/udp-batch), built in its own stage
# so the image carries no compiler. Without it the agent would serve DNS on node:dgram (about
# 0.4x the queries per CPU-second) and log why.
FROM node:20-slim AS native
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/meridian
COPY native ./native
# npm's own node-gyp, against the headers the node image ships (no download).
RUN node /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild -C native/udp-batch --nodedir=/usr/local

FROM node:20-slim
WORKDIR /opt/meridian
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY --from=native /opt/meridian/native/udp-batch/build/Release/udp_batch.node ./native/udp-batch/build/Release/udp_batch.node

ENV NODE_ENV=production
# node's own user; the k8s export runs the pod as uid/gid 1000 with runAsNonRoot and a
# read-only root filesystem (tsx's cache goes to the /tmp volume the pod mounts).
USER 1000:1000
ENTRYPOINT ["node", "/opt/meridian/bin/meridian.js"]
CMD ["--help"]
