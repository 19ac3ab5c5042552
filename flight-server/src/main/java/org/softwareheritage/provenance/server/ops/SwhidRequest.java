package org.softwareheritage.provenance.server.ops;

/**
 * A request message that names SWHIDs, for what the operations layer does with their number: the
 * per-request limit ({@link SwhidLimit}) and the access log ({@link CallMonitor}).
 */
public interface SwhidRequest {
  /** How many SWHIDs the request names, valid or not. */
  long swhidCount();
}
