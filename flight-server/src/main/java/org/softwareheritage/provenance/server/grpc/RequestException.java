package org.softwareheritage.provenance.server.grpc;

import io.grpc.Status;

/**
 * A request the service refuses because of what the client sent (INVALID_ARGUMENT unless said
 * otherwise): an answer, not a server fault, so it is never reported to Sentry and carries no stack
 * trace. Values from the request are quoted with {@link #quote}, so messages stay short.
 */
public final class RequestException extends RuntimeException {
  /** Characters of a client's value that a message shows at most. */
  public static final int MAX_QUOTED_CHARS = 100;

  /**
   * Characters of a message at most, whatever it quotes: it travels in grpc-message and log lines.
   */
  private static final int MAX_MESSAGE_CHARS = 500;

  private static final long serialVersionUID = 1L;

  private final Status.Code code;

  private RequestException(Status.Code code, String message, Throwable cause) {
    super(
        message.length() <= MAX_MESSAGE_CHARS
            ? message
            : message.substring(0, MAX_MESSAGE_CHARS) + "…",
        cause,
        false,
        false);
    this.code = code;
  }

  /** INVALID_ARGUMENT with {@code message}. */
  public static RequestException invalid(String message) {
    return new RequestException(Status.Code.INVALID_ARGUMENT, message, null);
  }

  /** INVALID_ARGUMENT with {@code message}, keeping what it was found from. */
  public static RequestException invalid(String message, Throwable cause) {
    return new RequestException(Status.Code.INVALID_ARGUMENT, message, cause);
  }

  /** The status the client gets. */
  public Status status() {
    return Status.fromCode(code).withDescription(getMessage());
  }

  /** {@code 'value'}, or {@code 'its beginning…' (N characters)} when it is long. */
  public static String quote(Object value) {
    String text = String.valueOf(value);
    return text.length() <= MAX_QUOTED_CHARS
        ? "'" + text + "'"
        : "'" + text.substring(0, MAX_QUOTED_CHARS) + "…' (" + text.length() + " characters)";
  }
}
