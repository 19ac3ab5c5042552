package org.softwareheritage.provenance.client;

import io.grpc.Status;

/**
 * A call to the provenance service failed; {@link #status()} is the gRPC status (e.g. {@code
 * UNAVAILABLE} once retries are exhausted, {@code DEADLINE_EXCEEDED}). The subclasses {@link
 * SwhidNotFoundException} and {@link InvalidRequestException} name the two answers about the
 * request itself.
 */
public class ProvenanceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;

  protected ProvenanceException(Status status, Throwable cause) {
    super(message(status), cause);
    this.status = status;
  }

  private static String message(Status status) {
    StringBuilder message = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null) {
      message.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      message.append(" (").append(status.getCause().getMessage()).append(')');
    }
    return message.toString();
  }

  /**
   * The exception for a failed call ({@code StatusRuntimeException}, {@code StatusException}):
   * typed by status code.
   */
  public static ProvenanceException of(Throwable failure) {
    Status status = Status.fromThrowable(failure);
    return switch (status.getCode()) {
      case NOT_FOUND -> new SwhidNotFoundException(status, failure);
      case INVALID_ARGUMENT -> new InvalidRequestException(status, failure);
      default -> new ProvenanceException(status, failure);
    };
  }

  /** The exception for a server answer that breaks the protocol (reported as {@code INTERNAL}). */
  static ProvenanceException protocol(String problem) {
    return new ProvenanceException(Status.INTERNAL.withDescription(problem), null);
  }

  /** The gRPC status of the failed call. */
  public Status status() {
    return status;
  }
}
