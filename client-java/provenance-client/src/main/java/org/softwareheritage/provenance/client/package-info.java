/**
 * The gRPC client library: {@link org.softwareheritage.provenance.client.ProvenanceClient} for
 * WhereIsOne and WhereAreOne, blocking, asynchronous or streamed, with typed errors, retries,
 * deadlines and qualified SWHIDs. Depends on nothing of Arrow.
 */
package org.softwareheritage.provenance.client;
