package org.softwareheritage.provenance.server.storage;

import java.util.List;

/**
 * The tables of a provenance database (docs/architecture.md, "Database layout"): directory name, the columns the lookup
 * path loads, and the order rows are kept in memory (which makes every key a contiguous row range
 * whose first row is the earliest anchor or the smallest origin).
 */
public enum ProvenanceTable {
  NODES("nodes", List.of(
      lookup("id", ColumnKind.NODE_ID),
      lookup("type", ColumnKind.NODE_TYPE),
      lookup("sha1_git", ColumnKind.SHA1_GIT)),
      List.of("id")),
  ORIGINS("origins", List.of(
      lookup("id", ColumnKind.NODE_ID),
      lookup("url", ColumnKind.URL)),
      List.of("id")),
  CONTENTS_IN_REVISIONS("contents_in_revisions_without_frontiers", List.of(
      lookup("cnt", ColumnKind.NODE_ID),
      lookup("revrel", ColumnKind.NODE_ID),
      lookup("revrel_author_date", ColumnKind.TIMESTAMP),
      bulk("path", ColumnKind.PATH)),
      List.of("cnt", "revrel_author_date", "revrel")),
  CONTENTS_IN_DIRECTORIES("contents_in_frontier_directories", List.of(
      lookup("cnt", ColumnKind.NODE_ID),
      lookup("dir", ColumnKind.NODE_ID),
      bulk("path", ColumnKind.PATH)),
      List.of("cnt", "dir")),
  DIRECTORIES_IN_REVISIONS("frontier_directories_in_revisions", List.of(
      lookup("dir", ColumnKind.NODE_ID),
      bulk("dir_max_author_date", ColumnKind.TIMESTAMP),
      lookup("revrel", ColumnKind.NODE_ID),
      lookup("revrel_author_date", ColumnKind.TIMESTAMP),
      bulk("path", ColumnKind.PATH)),
      List.of("dir", "revrel_author_date", "revrel")),
  REVISIONS_IN_ORIGINS("revisions_in_origins", List.of(
      lookup("revrel", ColumnKind.NODE_ID),
      lookup("ori", ColumnKind.NODE_ID)),
      List.of("revrel", "ori"));

  /** A column of the table: its name in the files, its kind, and whether lookups need it. */
  public record Column(String name, ColumnKind kind, boolean lookup) {}

  private final String directory;
  private final List<Column> allColumns;
  private final List<Column> columns;
  private final List<String> sortKey;

  ProvenanceTable(String directory, List<Column> allColumns, List<String> sortKey) {
    this.directory = directory;
    this.allColumns = allColumns;
    this.columns = allColumns.stream().filter(Column::lookup).toList();
    this.sortKey = sortKey;
  }

  private static Column lookup(String name, ColumnKind kind) {
    return new Column(name, kind, true);
  }

  private static Column bulk(String name, ColumnKind kind) {
    return new Column(name, kind, false);
  }

  /** Name of the table's directory in the database. */
  public String directory() {
    return directory;
  }

  /** Columns loaded for lookups, in memory order. */
  public List<Column> columns() {
    return columns;
  }

  /** Every column of the layout, lookup columns and the ones only bulk streams need. */
  public List<Column> allColumns() {
    return allColumns;
  }

  /** Columns the rows are sorted by in memory; the first is the table's key. */
  public List<String> sortKey() {
    return sortKey;
  }
}
