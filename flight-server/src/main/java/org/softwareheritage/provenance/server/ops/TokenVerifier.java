package org.softwareheritage.provenance.server.ops;

/** Checks a bearer token and says whose it is. */
public interface TokenVerifier {
  /**
   * The identity the token stands for.
   *
   * @throws TokenRejectedException if the token is not valid here, or lacks the required role
   */
  String verify(String token) throws TokenRejectedException;

  /** Whether {@link #verify} may block (e.g. to fetch keys over the network). */
  boolean mayBlock();
}
