package org.softwareheritage.provenance.client;

import io.grpc.Status;

/**
 * The server rejected the request as invalid ({@code INVALID_ARGUMENT}); the message names the
 * value.
 */
public final class InvalidRequestException extends ProvenanceException {
  private static final long serialVersionUID = 1L;

  InvalidRequestException(Status status, Throwable cause) {
    super(status, cause);
  }
}
