package org.softwareheritage.provenance.server.index;

/**
 * A value read from the index points outside the tables: the index files were damaged after they
 * were checked. Raised instead of reading outside the mapped memory, so that a damaged byte costs
 * one failed call, never the process.
 */
public final class DamagedIndexException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DamagedIndexException(String message) {
    super(message);
  }

  /** {@code row} if it is a row of a table of {@code rows} rows. */
  static long checkRow(long row, long rows, String what) {
    if (Long.compareUnsigned(row, rows) >= 0) {
      throw new DamagedIndexException("damaged index: " + what + " row " + row + " of " + rows);
    }
    return row;
  }
}
