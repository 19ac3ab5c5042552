package org.softwareheritage.provenance.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.Yaml;

/**
 * The instructions of a Dockerfile, continuation lines joined and comments dropped, enough to check
 * what the image promises without a Docker engine.
 */
record Dockerfile(List<Instruction> instructions) {
  /** One instruction: its keyword in upper case and the rest of the line. */
  record Instruction(String keyword, String arguments) {
    /** The arguments in exec form ({@code ["a", "b"]}), which is a JSON array, hence YAML. */
    List<String> execForm() {
      int start = arguments.indexOf('[');
      if (start < 0) {
        throw new AssertionError(keyword + " is not in exec form: " + arguments);
      }
      List<?> values = new Yaml().load(arguments.substring(start));
      return values.stream().map(String::valueOf).toList();
    }
  }

  static Dockerfile read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String stripped = line.strip();
      if (stripped.startsWith("#") || (stripped.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (stripped.endsWith("\\")) {
        current.append(stripped, 0, stripped.length() - 1).append(' ');
        continue;
      }
      current.append(stripped);
      String joined = current.toString().strip();
      current.setLength(0);
      int space = joined.indexOf(' ');
      instructions.add(
          new Instruction(
              joined.substring(0, space).toUpperCase(), joined.substring(space + 1).strip()));
    }
    return new Dockerfile(instructions);
  }

  List<Instruction> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword.equals(keyword)).toList();
  }

  /** The only instruction of {@code keyword} after the last FROM (the runtime stage). */
  Instruction runtime(String keyword) {
    int lastFrom = 0;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).keyword.equals("FROM")) {
        lastFrom = i;
      }
    }
    List<Instruction> found =
        instructions.subList(lastFrom, instructions.size()).stream()
            .filter(i -> i.keyword.equals(keyword))
            .toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + keyword + " in the runtime stage, found " + found);
    }
    return found.get(0);
  }
}
