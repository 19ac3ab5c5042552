/**
 * The provenance server: {@link org.softwareheritage.provenance.server.ProvenanceServer} listens on
 * one port carrying the gRPC API, Arrow Flight, health and reflection, and answers from the index
 * of one database once it is loaded. Layers: storage → index → query → grpc | flight, with ops
 * around them and cli on top (docs/architecture.md).
 */
package org.softwareheritage.provenance.server;
