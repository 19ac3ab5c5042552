package org.softwareheritage.provenance.swhid;

/** The kinds of Software Heritage objects a core SWHID can name, with their SWHID tags. */
public enum ObjectType {
  CONTENT("cnt"),
  DIRECTORY("dir"),
  REVISION("rev"),
  RELEASE("rel"),
  SNAPSHOT("snp"),
  ORIGIN("ori");

  private static final ObjectType[] VALUES = values();

  private final String tag;

  ObjectType(String tag) {
    this.tag = tag;
  }

  /** The three-letter tag used in SWHIDs and in the {@code type} column of the nodes table. */
  public String tag() {
    return tag;
  }

  /** Whether objects of this type are their own anchor (revisions and releases). */
  public boolean isRevisionOrRelease() {
    return this == REVISION || this == RELEASE;
  }

  /** The type whose tag is {@code tag}, or {@code null} if there is none. */
  public static ObjectType fromTag(CharSequence tag) {
    for (ObjectType type : VALUES) {
      if (type.tag.contentEquals(tag)) {
        return type;
      }
    }
    return null;
  }

  /**
   * The type whose tag is the three ASCII bytes {@code text[from, from + 3)}, or {@code null} if
   * there is none.
   */
  public static ObjectType fromTag(byte[] text, int from) {
    for (ObjectType type : VALUES) {
      if (text[from] == type.tag.charAt(0)
          && text[from + 1] == type.tag.charAt(1)
          && text[from + 2] == type.tag.charAt(2)) {
        return type;
      }
    }
    return null;
  }

  /** The type with the given ordinal, as stored in compact per-node arrays. */
  public static ObjectType fromOrdinal(int ordinal) {
    return VALUES[ordinal];
  }
}
