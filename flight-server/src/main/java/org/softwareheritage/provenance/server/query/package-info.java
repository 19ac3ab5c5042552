/**
 * The query semantics of provenance (docs/architecture.md) over the indices: the earliest anchor
 * and origin of a batch of SWHIDs, and every anchor of one node with bounded state. The one lookup
 * path every API uses.
 */
package org.softwareheritage.provenance.server.query;
