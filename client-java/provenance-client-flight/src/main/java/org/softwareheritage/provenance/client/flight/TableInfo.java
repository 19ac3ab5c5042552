package org.softwareheritage.provenance.client.flight;

import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A table the server serves: its name (the ticket's {@code table}), its loaded columns, its row
 * count and its approximate size in memory.
 */
public record TableInfo(String name, Schema schema, long rows, long bytes) {}
