/**
 * The built-in topology: three regions and one demo service. `meridian lab up` runs it when no
 * file is given and `meridian init` writes it out, so this commented text is the single source.
 */
export const DEFAULT_TOPOLOGY_YAML = `# Meridian topology. Validate with: meridian validate -f meridian.yaml
# Editor completion: meridian schema > meridian.schema.json
apiVersion: meridian/v1

# The global zone the regional agents serve authoritatively. Delegate it to every region's agent.
zone: global.meridian.test

dns:
  # TTL (seconds) of service answers. It bounds how long a client keeps a dead region after the
  # agents stop answering with it, so keep it short.
  ttl: 2

regions:
  # Coordinates place regions for the geo and latency policies.
  # In production add agent addresses (the lab fills them in):
  #   agent: { dns: "203.0.113.10:53", api: "https://203.0.113.10:7700" }
  - name: eu-west
    geo: { lat: 53.35, lon: -6.26 }
  - name: us-east
    geo: { lat: 38.9, lon: -77.04 }
  - name: ap-south
    geo: { lat: 19.08, lon: 72.88 }

services:
  - name: web
    hostname: web            # answered as web.global.meridian.test
    port: 8080
    instances: 2             # per region, started by the lab
    # In production list each region's public endpoints (the lab fills them in):
    # endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"] }
    health:
      path: /healthz         # probed through each public endpoint, as users reach it
      interval: 500ms
      timeout: 400ms
      healthyThreshold: 2    # consecutive successes before an endpoint counts as up
      unhealthyThreshold: 2  # consecutive failures before it counts as down
    policy:
      # failover: the first healthy region in order (active-passive).
      # Others: weighted { weights: {eu-west: 50, ...} }, geo, latency, all-healthy.
      type: failover
      order: [eu-west, us-east, ap-south]

# Data stores: a PostgreSQL primary in one region, streaming standbys in the others.
stores:
  - name: orders
    engine: postgres
    primaryRegion: eu-west
    replicaRegions: [us-east, ap-south]
    # sync: a commit waits for at least one standby in another region, so no acked write is lost.
    replication: sync
    database: orders
    primaryHostname: primary.orders.db   # apps connect to primary.orders.db.global.meridian.test
    replicaHostname: replica.orders.db   # the read replica of the client's region
    targets: { rto: 30s, rpo: 0 }

# Where clients are, for the geo and latency policies (matched by the DNS query's source address).
clientNetworks:
  - name: lab-clients
    cidr: 10.231.250.0/24
    location: { lat: 48.86, lon: 2.35 }
`;
