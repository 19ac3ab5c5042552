package org.softwareheritage.provenance.client;

import io.grpc.Status;

/** The server does not know the SWHID asked about ({@code NOT_FOUND}). */
public final class SwhidNotFoundException extends ProvenanceException {
  private static final long serialVersionUID = 1L;

  SwhidNotFoundException(Status status, Throwable cause) {
    super(status, cause);
  }
}
