package org.softwareheritage.provenance.client.flight;

/** File formats a table can be saved in. */
public enum FileFormat {
  /** The Arrow IPC file format ({@code .arrow}, Feather v2): read back without conversion. */
  ARROW_IPC,
  /** Apache Parquet: compressed, readable by every data tool. */
  PARQUET
}
