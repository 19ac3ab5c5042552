package org.softwareheritage.provenance.server.testing;

/**
 * SWHIDs and URLs of the golden example database (docs/architecture.md, "Golden example database").
 */
public final class Golden {
  public static final String GRAPH = "https://example.com/swh/graph";
  public static final String GRAPH2 = "https://example.com/swh/graph2";

  private Golden() {}

  /** {@code swh:1:<type>:} followed by 40 hex digits ending with {@code last}. */
  public static String swhid(String type, String last) {
    return "swh:1:" + type + ":" + "0".repeat(40 - last.length()) + last;
  }
}
