package org.softwareheritage.provenance.server.query;

import java.util.Collection;

/**
 * Which fields of a provenance answer a caller wants; work for the others is skipped (no origin
 * lookup unless {@code origin} is wanted, no anchor lookup unless {@code anchor} or {@code origin}
 * is).
 */
public record ResultFields(boolean swhid, boolean anchor, boolean origin) {
  /** Every field, the default when a request has no mask. */
  public static final ResultFields ALL = new ResultFields(true, true, true);

  /** Field names, as in a {@code google.protobuf.FieldMask}. */
  public static final String SWHID = "swhid";

  public static final String ANCHOR = "anchor";
  public static final String ORIGIN = "origin";

  /**
   * The fields named by {@code paths}.
   *
   * @throws IllegalArgumentException naming the first unknown path
   */
  public static ResultFields of(Collection<String> paths) {
    boolean swhid = false;
    boolean anchor = false;
    boolean origin = false;
    for (String path : paths) {
      switch (path) {
        case SWHID -> swhid = true;
        case ANCHOR -> anchor = true;
        case ORIGIN -> origin = true;
        default ->
            throw new IllegalArgumentException(
                "unknown field mask path '" + path + "', expected swhid, anchor or origin");
      }
    }
    return new ResultFields(swhid, anchor, origin);
  }
}
