# The Meridian agent image: what `meridian export k8s` runs (kubernetes.image in the topology).
#   docker build -t registry.example.com/meridian:0.1.0 .
# The sources run through tsx (a runtime dependency), as `npx meridian` does: no build step.
FROM node:20-slim

WORKDIR /opt/meridian
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src

ENV NODE_ENV=production
# node's own user; the k8s export runs the pod as uid/gid 1000 with runAsNonRoot and a
# read-only root filesystem (tsx's cache goes to the /tmp volume the pod mounts).
USER 1000:1000
ENTRYPOINT ["node", "/opt/meridian/bin/meridian.js"]
CMD ["--help"]
