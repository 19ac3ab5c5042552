package org.softwareheritage.provenance.server.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a database lives: a local directory (plain path or {@code file://} URL) or an object-store
 * prefix ({@code s3://…}, {@code gs://…}, …) handed unchanged to Arrow's filesystem layer.
 */
public final class DatabaseLocation {
  private final Path localRoot;
  private final String remoteRoot;

  private DatabaseLocation(Path localRoot, String remoteRoot) {
    this.localRoot = localRoot;
    this.remoteRoot = remoteRoot;
  }

  /** Parses a plain path, a {@code file://} URL or an object-store URL. */
  public static DatabaseLocation of(String pathOrUrl) {
    if (pathOrUrl.startsWith("file:")) {
      return new DatabaseLocation(Path.of(URI.create(pathOrUrl)), null);
    }
    if (pathOrUrl.matches("^[a-zA-Z][a-zA-Z0-9+.-]+://.*")) {
      return new DatabaseLocation(null, pathOrUrl.endsWith("/") ? pathOrUrl : pathOrUrl + "/");
    }
    return new DatabaseLocation(Path.of(pathOrUrl).toAbsolutePath().normalize(), null);
  }

  /** A local directory. */
  public static DatabaseLocation of(Path directory) {
    return new DatabaseLocation(directory.toAbsolutePath().normalize(), null);
  }

  /** The local directory, or {@code null} for an object store. */
  public Path localRoot() {
    return localRoot;
  }

  /**
   * URIs to scan for {@code table}: every Parquet file below the table's directory for a local
   * database (hidden and {@code _}-prefixed entries skipped, as Arrow does), or the table's prefix
   * for an object store.
   */
  public List<String> sources(ProvenanceTable table) {
    if (localRoot == null) {
      return List.of(remoteRoot + table.directory() + "/");
    }
    Path dir = localRoot.resolve(table.directory());
    if (!Files.isDirectory(dir)) {
      throw new DatabaseLoadException("table " + table.directory() + ": missing directory " + dir);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      List<String> uris =
          files
              .filter(Files::isRegularFile)
              .filter(file -> file.getFileName().toString().endsWith(".parquet"))
              .filter(file -> isVisible(dir.relativize(file)))
              .sorted()
              .map(file -> file.toUri().toString())
              .toList();
      if (uris.isEmpty()) {
        throw new DatabaseLoadException(
            "table " + table.directory() + ": no .parquet file in " + dir);
      }
      return uris;
    } catch (IOException | UncheckedIOException e) {
      throw new DatabaseLoadException(
          "table " + table.directory() + ": cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean isVisible(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.startsWith(".") || name.startsWith("_")) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return localRoot != null ? localRoot.toString() : remoteRoot;
  }
}
