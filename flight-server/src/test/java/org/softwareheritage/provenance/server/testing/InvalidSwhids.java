package org.softwareheritage.provenance.server.testing;

import java.util.List;

/** Texts that are not core SWHIDs, each wrong in another way, for the request-validation tests. */
public final class InvalidSwhids {
  private InvalidSwhids() {}

  /**
   * For
   * {@code @MethodSource("org.softwareheritage.provenance.server.testing.InvalidSwhids#texts")}.
   */
  public static List<String> texts() {
    return List.of(
        "",
        "swh:1:cnt:xyz",
        "swh:1:CNT:0000000000000000000000000000000000000001",
        "swh:1:cnt:000000000000000000000000000000000000000A",
        "swh:1:cnt:000000000000000000000000000000000000001",
        "swh:1:cnt:00000000000000000000000000000000000000001",
        "swh:1:abc:0000000000000000000000000000000000000001",
        "swh:2:cnt:0000000000000000000000000000000000000001",
        "swh:1:cnt:0000000000000000000000000000000000000001;origin=https://example.com/swh/graph2",
        " swh:1:cnt:0000000000000000000000000000000000000001",
        "swh:1:cnt:0000000000000000000000000000000000000001\n",
        "swh:1:cnt:00000000000000000000000000000000000000\u00e9",
        "swh:1:cnt:0000000000000000000000000000000000000\u00e9",
        "swh:1:cnt:000000000000000000000000000000000000000\u0100");
  }
}
