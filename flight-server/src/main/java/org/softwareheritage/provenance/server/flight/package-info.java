/**
 * Arrow Flight over the same tables and indices: discovery, table streams (zero-copy slices of the
 * stored columns), slices by key, and bulk provenance by DoGet or DoExchange, with JSON tickets.
 */
package org.softwareheritage.provenance.server.flight;
