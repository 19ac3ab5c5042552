package org.softwareheritage.provenance.client.cli;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.softwareheritage.provenance.swhid.InvalidSwhidException;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The valid SWHIDs of command-line arguments or of stdin lines, read lazily: an invalid one is
 * reported (with its argument or line number) and skipped. Stdin lines are stripped of surrounding
 * white space, and blank lines skipped.
 */
final class SwhidInput implements Iterator<Swhid> {
  private final Iterator<String> values;
  private final boolean lines;
  private final Consumer<String> problems;
  private long number;
  private long invalid;
  private Swhid next;

  private SwhidInput(Iterator<String> values, boolean lines, Consumer<String> problems) {
    this.values = values;
    this.lines = lines;
    this.problems = problems;
  }

  /** The SWHIDs given as arguments. */
  static SwhidInput arguments(Iterator<String> arguments, Consumer<String> problems) {
    return new SwhidInput(arguments, false, problems);
  }

  /** The SWHIDs of text lines, e.g. stdin. */
  static SwhidInput lines(Iterator<String> lines, Consumer<String> problems) {
    return new SwhidInput(lines, true, problems);
  }

  @Override
  public boolean hasNext() {
    while (next == null && values.hasNext()) {
      String value = values.next();
      number++;
      if (lines) {
        value = value.strip();
        if (value.isEmpty()) {
          continue;
        }
      }
      try {
        next = Swhid.parse(value);
      } catch (InvalidSwhidException e) {
        invalid++;
        problems.accept((lines ? "line " : "argument ") + number + ": " + e.getMessage());
      }
    }
    return next != null;
  }

  @Override
  public Swhid next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Swhid swhid = next;
    next = null;
    return swhid;
  }

  /** How many values were invalid so far. */
  long invalid() {
    return invalid;
  }
}
