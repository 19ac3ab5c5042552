package org.softwareheritage.provenance.server.ops;

/**
 * A bearer token that is not accepted: invalid (UNAUTHENTICATED) or valid without the required role
 * (PERMISSION_DENIED). The reason is logged, never sent to the client.
 */
public final class TokenRejectedException extends Exception {
  private final boolean permissionDenied;

  public TokenRejectedException(String reason, boolean permissionDenied) {
    super(reason);
    this.permissionDenied = permissionDenied;
  }

  /** The token is valid but its holder may not call the service. */
  public boolean permissionDenied() {
    return permissionDenied;
  }
}
