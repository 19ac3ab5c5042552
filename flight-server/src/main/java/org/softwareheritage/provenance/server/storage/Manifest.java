package org.softwareheritage.provenance.server.ops;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * {@code MANIFEST.sha256} at the root of a database: the SHA-256 of every Parquet file the tables
 * are read from, in {@code sha256sum} format ({@code HEX  RELATIVE/PATH}), so
 * {@code sha256sum -c MANIFEST.sha256} checks it too.
 */
public final class Manifest {
  public static final String FILE_NAME = "MANIFEST.sha256";

  private Manifest() {}

  /** Writes the manifest of the database in {@code root}. */
  public static Path write(Path root) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, Path> file : parquetFiles(root).entrySet()) {
      text.append(sha256(file.getValue())).append("  ").append(file.getKey()).append('\n');
    }
    Path manifest = root.resolve(FILE_NAME);
    Files.writeString(manifest, text, StandardCharsets.UTF_8);
    return manifest;
  }

  /** One line per file that is missing, changed or not listed, or per malformed manifest line. */
  public static List<String> check(Path root) throws IOException {
    Path manifest = root.resolve(FILE_NAME);
    if (!Files.exists(manifest)) {
      return List.of(manifest + ": missing (write it with verify --write-manifest)");
    }
    List<String> problems = new ArrayList<>();
    Map<String, String> listed = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String[] parts = lines.get(i).split(" [ *]", 2);
      if (parts.length != 2 || !parts[0].matches("[0-9a-f]{64}")) {
        problems.add(FILE_NAME + ", line " + (i + 1) + ": expected 'SHA256  PATH'");
        continue;
      }
      listed.put(parts[1], parts[0]);
    }
    Map<String, Path> present = parquetFiles(root);
    for (Map.Entry<String, String> entry : listed.entrySet()) {
      Path file = root.resolve(entry.getKey());
      if (!Files.isRegularFile(file)) {
        problems.add(entry.getKey() + ": listed in " + FILE_NAME + " but missing");
      } else if (!sha256(file).equals(entry.getValue())) {
        problems.add(entry.getKey() + ": SHA-256 differs from " + FILE_NAME);
      }
    }
    for (String relative : present.keySet()) {
      if (!listed.containsKey(relative)) {
        problems.add(relative + ": not listed in " + FILE_NAME);
      }
    }
    return problems;
  }

  private static Map<String, Path> parquetFiles(Path root) {
    DatabaseLocation location = DatabaseLocation.of(root);
    Map<String, Path> files = new TreeMap<>();
    for (ProvenanceTable table : ProvenanceTable.values()) {
      try {
        for (String source : location.sources(table)) {
          Path file = Path.of(URI.create(source));
          files.put(location.localRoot().relativize(file).toString().replace('\\', '/'), file);
        }
      } catch (DatabaseLoadException e) {
        // A missing table is reported by the verifier; the manifest covers the files there are.
        continue;
      }
    }
    return files;
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
