/**
 * {@code swh.provenance.ProvenanceService}, wire-compatible with the upstream server: WhereIsOne
 * and WhereAreOne answered from the queries, streamed only as fast as the client reads.
 */
package org.softwareheritage.provenance.server.grpc;
