package org.softwareheritage.provenance.server.flight;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.softwareheritage.provenance.server.grpc.RequestException;
import org.softwareheritage.provenance.server.ops.CallMemory;
import org.softwareheritage.provenance.server.ops.RequestedSwhids;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A Flight ticket or command: a small JSON object, easy to write by hand.
 *
 * <ul>
 *   <li>{@code {"table": NAME, "columns": [...], "key": K | "keys": [K, ...] | "key_range": [FIRST,
 *       LAST], "rows": [START, END]}}: rows of a table (every field but {@code table} optional);
 *   <li>{@code {"provenance": [SWHID, ...], "all_anchors": false}}: provenance of a short list of
 *       SWHIDs;
 *   <li>{@code {"exchange": "provenance", "all_anchors": false}}: the command of a DoExchange that
 *       sends batches with a {@code swhid} column and receives their provenance.
 * </ul>
 *
 * <p>The lists that may be long ({@code keys}, {@code provenance}) are read as a stream into
 * compact arrays, at most as many items as the SWHID limit allows, and their memory is reserved on
 * the call's budget ({@link CallMemory}) as they grow; the rest of a ticket is small.
 */
public sealed interface FlightRequest {
  ObjectMapper JSON = new ObjectMapper();
  BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /**
   * Rows of a table: optional projection, key filter (one of key, keys, keyRange) and row range.
   */
  record TableRequest(String table, List<String> columns, long[] keys, long[] keyRange, long[] rows)
      implements FlightRequest {
    /** The same request restricted to rows [start, end). */
    public TableRequest withRows(long start, long end) {
      return new TableRequest(table, columns, keys, keyRange, new long[] {start, end});
    }

    /** The request as JSON, as clients send it. */
    public byte[] toJson() {
      ObjectNode json = JSON.createObjectNode().put("table", table);
      if (columns != null) {
        columns.forEach(json.putArray("columns")::add);
      }
      if (keys != null) {
        ArrayNode array = json.putArray("keys");
        for (long key : keys) {
          array.add(new BigInteger(Long.toUnsignedString(key)));
        }
      }
      if (keyRange != null) {
        json.putArray("key_range")
            .add(new BigInteger(Long.toUnsignedString(keyRange[0])))
            .add(new BigInteger(Long.toUnsignedString(keyRange[1])));
      }
      if (rows != null) {
        json.putArray("rows").add(rows[0]).add(rows[1]);
      }
      return bytes(json);
    }
  }

  /** Provenance of the listed SWHIDs, earliest anchor only or every anchor. */
  record ProvenanceRequest(RequestSwhids swhids, boolean allAnchors) implements FlightRequest {}

  /** DoExchange of SWHID batches for provenance batches. */
  record ExchangeRequest(boolean allAnchors) implements FlightRequest {}

  /**
   * Parses a ticket or command whose lists may name at most as many keys or SWHIDs as {@code
   * limits} allows SWHIDs.
   *
   * @throws RequestException naming what is wrong
   */
  static FlightRequest parse(byte[] bytes, FlightOptions limits) {
    ObjectNode json = JSON.createObjectNode();
    long[] keys = null;
    RequestSwhids swhids = null;
    try (JsonParser parser = JSON.getFactory().createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw RequestException.invalid("ticket must be a JSON object, e.g. {\"table\": \"nodes\"}");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("keys".equals(name) && value == JsonToken.START_ARRAY) {
          keys = readKeys(parser, limits);
          json.putArray(name);
        } else if ("provenance".equals(name) && value == JsonToken.START_ARRAY) {
          swhids = readSwhids(parser, limits);
          json.putArray(name);
        } else {
          json.set(name, parser.readValueAsTree());
        }
      }
    } catch (JsonProcessingException e) {
      throw RequestException.invalid("ticket is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw RequestException.invalid("ticket is not JSON: " + e.getMessage());
    }
    if (json.has("table")) {
      checkFields(json, Set.of("table", "columns", "key", "keys", "key_range", "rows"));
      return parseTable(json, keys);
    }
    if (json.has("provenance")) {
      checkFields(json, Set.of("provenance", "all_anchors"));
      array(json, "provenance");
      return new ProvenanceRequest(swhids, allAnchors(json));
    }
    if (json.has("exchange")) {
      checkFields(json, Set.of("exchange", "all_anchors"));
      if (!"provenance".equals(json.get("exchange").asText())) {
        throw RequestException.invalid(
            "unknown exchange "
                + RequestException.quote(json.get("exchange").asText())
                + ", expected \"provenance\"");
      }
      return new ExchangeRequest(allAnchors(json));
    }
    throw RequestException.invalid("ticket needs one of \"table\", \"provenance\" or \"exchange\"");
  }

  /** The node ids of a {@code keys} list, the parser on its first item; fails beyond the limit. */
  private static long[] readKeys(JsonParser parser, FlightOptions limits) throws IOException {
    int max = limits.maxSwhidsPerRequest();
    long[] keys = new long[0];
    int stored = 0;
    long count = 0;
    for (JsonToken token = parser.nextToken();
        token != JsonToken.END_ARRAY;
        token = parser.nextToken()) {
      long key = u64(parser, "keys");
      if (count < max) {
        if (stored == keys.length) {
          int capacity = (int) Math.min(max, Math.max(16, 2L * keys.length));
          CallMemory.reserve((long) (capacity - keys.length) * Long.BYTES);
          keys = Arrays.copyOf(keys, capacity);
        }
        keys[stored++] = key;
      }
      count++;
    }
    limits.checkCount(count, "keys");
    return Arrays.copyOf(keys, stored);
  }

  /**
   * The SWHIDs of a {@code provenance} list, the parser on its first item; fails beyond the limit.
   */
  private static RequestSwhids readSwhids(JsonParser parser, FlightOptions limits)
      throws IOException {
    int max = limits.maxSwhidsPerRequest();
    RequestSwhids swhids = new RequestSwhids();
    String invalid = null;
    long count = 0;
    for (JsonToken token = parser.nextToken();
        token != JsonToken.END_ARRAY;
        token = parser.nextToken()) {
      if (token != JsonToken.VALUE_STRING) {
        throw RequestException.invalid("\"provenance\" must be a list of SWHID strings");
      }
      if (count < max
          && invalid == null
          && !swhids.add(
              parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength())) {
        invalid = invalidSwhid(parser.getText(), count);
      }
      count++;
    }
    RequestedSwhids.add(count);
    limits.checkSwhidCount(count);
    if (invalid != null) {
      throw RequestException.invalid(invalid);
    }
    return swhids;
  }

  /** Why {@code text}, SWHID number {@code number} of the request, is not a core SWHID. */
  private static String invalidSwhid(String text, long number) {
    try {
      Swhid.parse(text);
      return "swhid[" + number + "]: not a core SWHID";
    } catch (IllegalArgumentException e) {
      return "swhid[" + number + "]: " + e.getMessage();
    }
  }

  private static TableRequest parseTable(JsonNode json, long[] listedKeys) {
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
        throw RequestException.invalid(
            "\"columns\" must name at least one column (leave it out for all)");
      }
    }
    int filters =
        (json.has("key") ? 1 : 0) + (json.has("keys") ? 1 : 0) + (json.has("key_range") ? 1 : 0);
    if (filters > 1) {
      throw RequestException.invalid("use only one of \"key\", \"keys\" and \"key_range\"");
    }
    long[] keys = null;
    if (json.has("key")) {
      keys = new long[] {u64(json.get("key"), "key")};
    } else if (json.has("keys")) {
      array(json, "keys");
      keys = listedKeys;
    }
    long[] keyRange = null;
    if (json.has("key_range")) {
      ArrayNode range = array(json, "key_range");
      if (range.size() != 2) {
        throw RequestException.invalid("\"key_range\" must be [first, last]");
      }
      keyRange = new long[] {u64(range.get(0), "key_range"), u64(range.get(1), "key_range")};
    }
    long[] rows = null;
    if (json.has("rows")) {
      ArrayNode range = array(json, "rows");
      if (range.size() != 2
          || !range.get(0).isIntegralNumber()
          || !range.get(1).isIntegralNumber()
          || !range.get(0).canConvertToLong()
          || !range.get(1).canConvertToLong()
          || range.get(0).asLong() < 0
          || range.get(1).asLong() < range.get(0).asLong()) {
        throw RequestException.invalid("\"rows\" must be [start, end] with 0 <= start <= end");
      }
      rows = new long[] {range.get(0).asLong(), range.get(1).asLong()};
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
    if (!value.isIntegralNumber()
        || value.bigIntegerValue().signum() < 0
        || value.bigIntegerValue().compareTo(MAX_U64) > 0) {
      throw RequestException.invalid(
          "\""
              + field
              + "\" takes node ids (integers from 0 to 2^64-1), not "
              + RequestException.quote(value));
    }
    return value.bigIntegerValue().longValue();
  }

  private static long u64(JsonParser parser, String field) throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NUMBER_INT) {
      if (parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        long value = parser.getLongValue();
        if (value >= 0) {
          return value;
        }
      } else if (parser.getBigIntegerValue().signum() >= 0
          && parser.getBigIntegerValue().compareTo(MAX_U64) <= 0) {
        return parser.getBigIntegerValue().longValue();
      }
    }
    String text = parser.getText();
    throw RequestException.invalid(
        "\""
            + field
            + "\" takes node ids (integers from 0 to 2^64-1), not "
            + RequestException.quote(text));
  }

  private static void checkFields(JsonNode json, Set<String> allowed) {
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw RequestException.invalid(
            "unknown ticket field " + RequestException.quote(name) + ", expected " + allowed);
      }
    }
  }

  private static byte[] bytes(JsonNode json) {
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }
}
