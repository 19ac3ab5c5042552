package org.softwareheritage.provenance.server.storage;

/**
 * A named run of bytes at a fixed native address: a column or an index, in native memory or mapped
 * from an index file. Valid while the {@link RegionStore} that made it is open; read and written by
 * address, since every lookup is a few address computations.
 */
public record Region(String name, long address, long length) {
  /** The address of byte {@code offset}, which must lie within the region. */
  public long at(long offset) {
    return address + offset;
  }
}
