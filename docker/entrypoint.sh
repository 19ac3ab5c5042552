#!/bin/sh
# Starts provenance-server.jar with JVM memory sized from the container's memory limit.
#
# The database lives in off-heap Arrow buffers (Java direct memory), so the heap stays small
# (JVM_HEAP_PERCENT of the limit, through the JVM's own container detection) and direct memory
# gets most of the rest (JVM_DIRECT_MEMORY_PERCENT of the limit). What is left is for native
# memory: Arrow's Parquet reader while loading, thread stacks, metaspace, Netty.
# JAVA_OPTS is appended last, so it can override any of these flags.
set -eu

: "${JVM_HEAP_PERCENT:=10}"
: "${JVM_DIRECT_MEMORY_PERCENT:=70}"
JAR=/opt/swh-provenance/provenance-server.jar

# The container's memory limit in bytes: cgroup v2, then cgroup v1, then the machine's memory.
memory_limit_bytes() {
  if [ -r /sys/fs/cgroup/memory.max ] && [ "$(cat /sys/fs/cgroup/memory.max)" != max ]; then
    cat /sys/fs/cgroup/memory.max
    return
  fi
  if [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    v1_limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
    # cgroup v1 reports "no limit" as a number close to 2^63.
    if [ "${#v1_limit}" -lt 19 ]; then
      echo "$v1_limit"
      return
    fi
  fi
  echo $(( $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) * 1024 ))
}

limit_mib=$(( $(memory_limit_bytes) / 1048576 ))
direct_mib=$(( limit_mib * JVM_DIRECT_MEMORY_PERCENT / 100 ))

# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java \
  -XX:MaxRAMPercentage="$JVM_HEAP_PERCENT" \
  -XX:MaxDirectMemorySize="${direct_mib}m" \
  -XX:+ExitOnOutOfMemoryError \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow \
  ${JAVA_OPTS:-} \
  -jar "$JAR" "$@"
