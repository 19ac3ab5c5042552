package org.softwareheritage.provenance.server.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an index was built from, so that an index is never served with another database: the Parquet
 * files the tables are read from, each with its size and, when the database has a {@code
 * MANIFEST.sha256}, its SHA-256 from there. An object-store database is identified by its URL only
 * (its files cannot be listed from here).
 *
 * @param location the database's directory or URL, for messages
 * @param files the files, by path relative to the database root, in table order; empty for an
 *     object store
 */
public record DatabaseIdentity(String location, List<File> files) {
  /**
   * One Parquet file: its path relative to the database root, size, and SHA-256 (null: no
   * manifest).
   */
  public record File(String path, long bytes, String sha256) {}

  /** The identity of the database at {@code location} as it is now. */
  public static DatabaseIdentity of(DatabaseLocation location) {
    Path root = location.localRoot();
    if (root == null) {
      return new DatabaseIdentity(location.toString(), List.of());
    }
    Map<String, String> manifest = manifest(root);
    List<File> files = new ArrayList<>();
    try {
      for (ProvenanceTable table : ProvenanceTable.values()) {
        for (String source : location.sources(table)) {
          Path file = Path.of(URI.create(source));
          String relative = root.relativize(file).toString().replace('\\', '/');
          files.add(new File(relative, Files.size(file), manifest.get(relative)));
        }
      }
    } catch (IOException e) {
      throw new DatabaseLoadException(
          location + ": cannot list the database: " + e.getMessage(), e);
    }
    return new DatabaseIdentity(location.toString(), List.copyOf(files));
  }

  /**
   * Why the database {@code now} is not the one this identity was taken from (one line naming the
   * first difference), or null if it is the same.
   */
  public String differenceFrom(DatabaseIdentity now) {
    if (files.isEmpty() || now.files.isEmpty()) {
      return files.isEmpty() && now.files.isEmpty() && location.equals(now.location)
          ? null
          : "the index was built from " + location + ", not " + now.location;
    }
    Map<String, File> current = new HashMap<>();
    now.files.forEach(file -> current.put(file.path(), file));
    for (File built : files) {
      File file = current.remove(built.path());
      if (file == null) {
        return built.path() + " is gone from the database";
      }
      if (file.bytes() != built.bytes()) {
        return built.path()
            + " changed size ("
            + built.bytes()
            + " bytes at index time, "
            + file.bytes()
            + " now)";
      }
      if (!Objects.equals(file.sha256(), built.sha256())) {
        return built.path() + " has another SHA-256 in MANIFEST.sha256 than at index time";
      }
    }
    if (!current.isEmpty()) {
      return current.keySet().iterator().next() + " was added to the database";
    }
    return null;
  }

  /** The SHA-256 of each file listed in the manifest of {@code root}, or nothing if it has none. */
  private static Map<String, String> manifest(Path root) {
    Path manifest = root.resolve("MANIFEST.sha256");
    Map<String, String> hashes = new HashMap<>();
    if (!Files.exists(manifest)) {
      return hashes;
    }
    try {
      for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
        String[] parts = line.split(" [ *]", 2);
        if (parts.length == 2) {
          hashes.put(parts[1], parts[0]);
        }
      }
    } catch (IOException e) {
      throw new DatabaseLoadException(manifest + ": cannot read: " + e.getMessage(), e);
    }
    return hashes;
  }
}
