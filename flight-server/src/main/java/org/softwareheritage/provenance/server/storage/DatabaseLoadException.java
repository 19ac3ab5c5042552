package org.softwareheritage.provenance.server.storage;

/**
 * A database cannot be loaded: missing table, missing column, wrong type, unreadable file or
 * inconsistent rows. The message is one line naming the table, the file and the column.
 */
public final class DatabaseLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatabaseLoadException(String message) {
    super(message);
  }

  public DatabaseLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
