package org.softwareheritage.provenance.server.grpc;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.softwareheritage.provenance.swhid.InvalidSwhidException;

/**
 * The one mapping, shared by the gRPC service and Arrow Flight, from what a call throws to the
 * status its client gets: request errors ({@link RequestException}, an invalid SWHID) become their
 * status with a short message; a status thrown as such is kept; anything else is a server fault,
 * INTERNAL with a generic message and the exception as server-side cause, which the call monitor
 * logs and reports to Sentry, once.
 */
public final class CallErrors {
  private CallErrors() {}

  /** The status for {@code failure}, thrown while serving {@code method}. */
  public static Status status(Throwable failure, String method) {
    if (failure instanceof RequestException request) {
      return request.status();
    }
    if (failure instanceof InvalidSwhidException swhid) {
      return Status.INVALID_ARGUMENT.withDescription(swhid.getMessage());
    }
    if (failure instanceof StatusRuntimeException status) {
      return status.getStatus();
    }
    if (failure instanceof StatusException status) {
      return status.getStatus();
    }
    return Status.INTERNAL.withDescription("internal error in " + method).withCause(failure);
  }

  /** {@link #status} as an exception, for {@code StreamObserver.onError}. */
  public static StatusRuntimeException exception(Throwable failure, String method) {
    return status(failure, method).asRuntimeException();
  }
}
