package org.softwareheritage.provenance.swhid;

/**
 * Thrown when a string is not a valid core SWHID; the message names the value (its first {@value
 * #MAX_SHOWN_CHARS} characters: a request may carry megabytes) and the problem.
 */
public final class InvalidSwhidException extends IllegalArgumentException {
  /** Characters of the rejected value the message shows at most. */
  public static final int MAX_SHOWN_CHARS = 100;

  private static final long serialVersionUID = 1L;

  private final String value;

  public InvalidSwhidException(String value, String problem) {
    super(value == null ? problem : "invalid SWHID " + quoted(value) + ": " + problem);
    this.value = value;
  }

  /** The rejected input, or {@code null} if none was given. */
  public String value() {
    return value;
  }

  /** {@code 'value'}, or {@code 'its beginning…' (N characters)} when it is long. */
  private static String quoted(String value) {
    return value.length() <= MAX_SHOWN_CHARS
        ? "'" + value + "'"
        : "'" + value.substring(0, MAX_SHOWN_CHARS) + "…' (" + value.length() + " characters)";
  }
}
