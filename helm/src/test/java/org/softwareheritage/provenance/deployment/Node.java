package org.softwareheritage.provenance.deployment;

import java.util.List;
import java.util.Map;

/**
 * A value inside a parsed manifest, navigated by dotted paths: {@code spec.template.spec}, {@code
 * containers[0]}, or {@code containers[name=server]} for the list element of that name.
 */
record Node(Object value, String where) {
  /** The node at {@code path}; fails naming the path when it is absent. */
  Node at(String path) {
    Node node = this;
    for (String segment : path.split("\\.")) {
      node = node.step(segment);
    }
    return node;
  }

  /** Whether {@code path} leads somewhere. */
  boolean has(String path) {
    try {
      at(path);
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }

  String string(String path) {
    return String.valueOf(at(path).value);
  }

  /** The values of the list at {@code path}. */
  List<Node> list(String path) {
    Node node = at(path);
    if (!(node.value instanceof List<?> list)) {
      throw new AssertionError(node.where + " is not a list: " + node.value);
    }
    return list.stream().map(element -> new Node(element, node.where + "[]")).toList();
  }

  /** The map at {@code path}, keys to values. */
  Map<?, ?> map(String path) {
    Node node = at(path);
    if (!(node.value instanceof Map<?, ?> map)) {
      throw new AssertionError(node.where + " is not a map: " + node.value);
    }
    return map;
  }

  private Node step(String segment) {
    int bracket = segment.indexOf('[');
    Node node = bracket < 0 ? key(segment) : key(segment.substring(0, bracket));
    if (bracket >= 0) {
      String selector = segment.substring(bracket + 1, segment.length() - 1);
      node = node.element(selector);
    }
    return node;
  }

  private Node key(String key) {
    if (!(value instanceof Map<?, ?> map) || !map.containsKey(key)) {
      throw new AssertionError(where + " has no " + key + ": " + value);
    }
    return new Node(map.get(key), where + "." + key);
  }

  private Node element(String selector) {
    if (!(value instanceof List<?> list)) {
      throw new AssertionError(where + " is not a list: " + value);
    }
    String name = selector.startsWith("name=") ? selector.substring("name=".length()) : null;
    if (name == null) {
      int index = Integer.parseInt(selector);
      if (index >= list.size()) {
        throw new AssertionError(where + " has no element " + index + ": " + value);
      }
      return new Node(list.get(index), where + "[" + index + "]");
    }
    for (Object element : list) {
      if (element instanceof Map<?, ?> map && name.equals(map.get("name"))) {
        return new Node(element, where + "[name=" + name + "]");
      }
    }
    throw new AssertionError(where + " has no element named " + name + ": " + value);
  }
}
