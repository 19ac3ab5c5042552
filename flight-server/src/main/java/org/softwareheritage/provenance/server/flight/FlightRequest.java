package org.softwareheritage.provenance.server.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.softwareheritage.provenance.server.grpc.RequestException;

/**
 * A Flight ticket or command: a small JSON object, easy to write by hand.
 *
 * <ul>
 *   <li>{@code {"table": NAME, "columns": [...], "key": K | "keys": [K, ...] | "key_range": [FIRST, LAST],
 *       "rows": [START, END]}}: rows of a table (every field but {@code table} optional);
 *   <li>{@code {"provenance": [SWHID, ...], "all_anchors": false}}: provenance of a short list of SWHIDs;
 *   <li>{@code {"exchange": "provenance", "all_anchors": false}}: the command of a DoExchange that
 *       sends batches with a {@code swhid} column and receives their provenance.
 * </ul>
 */
public sealed interface FlightRequest {
  ObjectMapper JSON = new ObjectMapper();
  BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** Rows of a table: optional projection, key filter (one of key, keys, keyRange) and row range. */
  record TableRequest(String table, List<String> columns, List<Long> keys, long[] keyRange, int[] rows)
      implements FlightRequest {
    /** The same request restricted to rows [start, end). */
    public TableRequest withRows(int start, int end) {
      return new TableRequest(table, columns, keys, keyRange, new int[] {start, end});
    }

    @Override
    public byte[] toJson() {
      ObjectNode json = JSON.createObjectNode().put("table", table);
      if (columns != null) {
        columns.forEach(json.putArray("columns")::add);
      }
      if (keys != null) {
        ArrayNode array = json.putArray("keys");
        keys.forEach(key -> array.add(new BigInteger(Long.toUnsignedString(key))));
      }
      if (keyRange != null) {
        json.putArray("key_range").add(new BigInteger(Long.toUnsignedString(keyRange[0])))
            .add(new BigInteger(Long.toUnsignedString(keyRange[1])));
      }
      if (rows != null) {
        json.putArray("rows").add(rows[0]).add(rows[1]);
      }
      return bytes(json);
    }
  }

  /** Provenance of the listed SWHIDs, earliest anchor only or every anchor. */
  record ProvenanceRequest(List<String> swhids, boolean allAnchors) implements FlightRequest {
    @Override
    public byte[] toJson() {
      ObjectNode json = JSON.createObjectNode();
      swhids.forEach(json.putArray("provenance")::add);
      return bytes(json.put("all_anchors", allAnchors));
    }
  }

  /** DoExchange of SWHID batches for provenance batches. */
  record ExchangeRequest(boolean allAnchors) implements FlightRequest {
    @Override
    public byte[] toJson() {
      return bytes(JSON.createObjectNode().put("exchange", "provenance").put("all_anchors", allAnchors));
    }
  }

  /** The request as JSON, as clients send it. */
  byte[] toJson();

  /**
   * Parses a ticket or command.
   *
   * @throws RequestException naming what is wrong
   */
  static FlightRequest parse(byte[] bytes) {
    JsonNode json;
    try {
      json = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw RequestException.invalid("ticket is not JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw RequestException.invalid("ticket is not JSON: " + e.getMessage());
    }
    if (json == null || !json.isObject()) {
      throw RequestException.invalid("ticket must be a JSON object, e.g. {\"table\": \"nodes\"}");
    }
    if (json.has("table")) {
      checkFields(json, Set.of("table", "columns", "key", "keys", "key_range", "rows"));
      return parseTable(json);
    }
    if (json.has("provenance")) {
      checkFields(json, Set.of("provenance", "all_anchors"));
      List<String> swhids = new ArrayList<>();
      for (JsonNode swhid : array(json, "provenance")) {
        if (!swhid.isTextual()) {
          throw RequestException.invalid("\"provenance\" must be a list of SWHID strings");
        }
        swhids.add(swhid.asText());
      }
      return new ProvenanceRequest(swhids, allAnchors(json));
    }
    if (json.has("exchange")) {
      checkFields(json, Set.of("exchange", "all_anchors"));
      if (!"provenance".equals(json.get("exchange").asText())) {
        throw RequestException.invalid("unknown exchange " + RequestException.quote(json.get("exchange").asText())
            + ", expected \"provenance\"");
      }
      return new ExchangeRequest(allAnchors(json));
    }
    throw RequestException.invalid("ticket needs one of \"table\", \"provenance\" or \"exchange\"");
  }

  private static TableRequest parseTable(JsonNode json) {
    if (!json.get("table").isTextual()) {
      throw RequestException.invalid("\"table\" must be a table name");
    }
    List<String> columns = null;
    if (json.has("columns")) {
      columns = new ArrayList<>();
      for (JsonNode column : array(json, "columns")) {
        if (!column.isTextual()) {
          throw RequestException.invalid("\"columns\" must be a list of column names");
        }
        columns.add(column.asText());
      }
      if (columns.isEmpty()) {
        throw RequestException.invalid("\"columns\" must name at least one column (leave it out for all)");
      }
    }
    int filters = (json.has("key") ? 1 : 0) + (json.has("keys") ? 1 : 0) + (json.has("key_range") ? 1 : 0);
    if (filters > 1) {
      throw RequestException.invalid("use only one of \"key\", \"keys\" and \"key_range\"");
    }
    List<Long> keys = null;
    if (json.has("key")) {
      keys = List.of(u64(json.get("key"), "key"));
    } else if (json.has("keys")) {
      keys = new ArrayList<>();
      for (JsonNode key : array(json, "keys")) {
        keys.add(u64(key, "keys"));
      }
    }
    long[] keyRange = null;
    if (json.has("key_range")) {
      ArrayNode range = array(json, "key_range");
      if (range.size() != 2) {
        throw RequestException.invalid("\"key_range\" must be [first, last]");
      }
      keyRange = new long[] {u64(range.get(0), "key_range"), u64(range.get(1), "key_range")};
    }
    int[] rows = null;
    if (json.has("rows")) {
      ArrayNode range = array(json, "rows");
      if (range.size() != 2 || !range.get(0).canConvertToInt() || !range.get(1).canConvertToInt()
          || range.get(0).asInt() < 0 || range.get(1).asInt() < range.get(0).asInt()) {
        throw RequestException.invalid("\"rows\" must be [start, end] with 0 <= start <= end");
      }
      rows = new int[] {range.get(0).asInt(), range.get(1).asInt()};
    }
    return new TableRequest(json.get("table").asText(), columns, keys, keyRange, rows);
  }

  private static boolean allAnchors(JsonNode json) {
    JsonNode value = json.get("all_anchors");
    if (value != null && !value.isBoolean()) {
      throw RequestException.invalid("\"all_anchors\" must be true or false");
    }
    return value != null && value.asBoolean();
  }

  private static ArrayNode array(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (!value.isArray()) {
      throw RequestException.invalid("\"" + field + "\" must be a list");
    }
    return (ArrayNode) value;
  }

  private static long u64(JsonNode value, String field) {
    if (!value.isIntegralNumber() || value.bigIntegerValue().signum() < 0
        || value.bigIntegerValue().compareTo(MAX_U64) > 0) {
      throw RequestException.invalid("\"" + field + "\" takes node ids (integers from 0 to 2^64-1), not "
          + RequestException.quote(value));
    }
    return value.bigIntegerValue().longValue();
  }

  private static void checkFields(JsonNode json, Set<String> allowed) {
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw RequestException.invalid("unknown ticket field " + RequestException.quote(name) + ", expected " + allowed);
      }
    }
  }

  private static byte[] bytes(JsonNode json) {
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }
}
