package org.softwareheritage.provenance.server.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokens listed in a file, one per line as {@code TOKEN} or {@code NAME TOKEN} (the name is the
 * caller's identity in logs and rate limits); blank lines and {@code #} comments are skipped.
 * Tokens are compared in constant time.
 */
public final class StaticTokens implements TokenVerifier {
  private record Entry(String name, byte[] token) {}

  private final List<Entry> entries;

  private StaticTokens(List<Entry> entries) {
    this.entries = entries;
  }

  /** Reads {@code file}; fails if it holds no token. */
  public static StaticTokens load(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length > 2) {
        throw new IOException(file + ", line " + (i + 1) + ": expected TOKEN or NAME TOKEN");
      }
      String name = parts.length == 2 ? parts[0] : "token-line-" + (i + 1);
      entries.add(new Entry(name, parts[parts.length - 1].getBytes(StandardCharsets.UTF_8)));
    }
    if (entries.isEmpty()) {
      throw new IOException(file + ": no token");
    }
    return new StaticTokens(List.copyOf(entries));
  }

  @Override
  public boolean mayBlock() {
    return false;
  }

  @Override
  public String verify(String token) throws TokenRejectedException {
    byte[] presented = token.getBytes(StandardCharsets.UTF_8);
    String match = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.token(), presented)) {
        match = entry.name();
      }
    }
    if (match == null) {
      throw new TokenRejectedException("unknown static token", false);
    }
    return match;
  }
}
