package org.softwareheritage.provenance.swhid;

/** Thrown when a string is not a valid core SWHID; the message names the value and the problem. */
public final class InvalidSwhidException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String value;

  public InvalidSwhidException(String value, String problem) {
    super(value == null ? problem : "invalid SWHID '" + value + "': " + problem);
    this.value = value;
  }

  /** The rejected input, or {@code null} if none was given. */
  public String value() {
    return value;
  }
}
