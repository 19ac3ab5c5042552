package org.softwareheritage.provenance.server.storage;

/** The names of the columns of the database layout (docs/architecture.md, "Database layout"). */
public final class Columns {
  public static final String ID = "id";
  public static final String TYPE = "type";
  public static final String SHA1_GIT = "sha1_git";
  public static final String URL = "url";
  public static final String CNT = "cnt";
  public static final String DIR = "dir";
  public static final String REVREL = "revrel";
  public static final String REVREL_AUTHOR_DATE = "revrel_author_date";
  public static final String DIR_MAX_AUTHOR_DATE = "dir_max_author_date";
  public static final String ORI = "ori";
  public static final String PATH = "path";

  private Columns() {}
}
