/**
 * tls: mutual TLS between agents (docs/security.md "Mutual TLS between agents"). An agent's
 * certificate names its region (identity.ts, pure); the peer listener (peer-server.ts) requires
 * one signed by the peers' CA; who may call which peer route is decided from that region
 * (peer-access.ts, pure); the certificate files are reread when they change (files.ts); requests
 * to peers present this agent's certificate and check the region of the answer (client.ts).
 *
 * A caller (the agent) must: load a PeerTlsFiles for its region (an InputError when the files are
 * unusable), start() it so rotations are noticed, give it to the API server (peer listener) and
 * build each peer client's options with peerClientTls(files, the region it means to reach).
 */
export { REGION_URI_PREFIX, regionUri, regionOfCertificate, parseSubjectAltName, type CertificateRegion } from './identity.ts';
export { authorizeView, authorizeLocal, type PeerVerdict, type ViewRequest, type LocalRequestFacts, type CoordinatorNow, type PeerCaller } from './peer-access.ts';
export { PeerTlsFiles, loadMaterial, PEER_TLS_FILES, type PeerTlsMaterial } from './files.ts';
export { peerClientTls, checkRegion } from './client.ts';
export { createPeerServer, callerRegion } from './peer-server.ts';
export { ApiTlsFiles, loadApiMaterial, type ApiTlsMaterial } from './api-files.ts';
export { createApiTlsServer } from './api-server.ts';
