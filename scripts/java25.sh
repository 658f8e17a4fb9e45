# Sourced by ./roberta and ./run-tests: selects a Java 25 JDK and sets JAVA_HOME.
# Order: $ROBERTA_JAVA_HOME, $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25*.
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
select_java25() {
  local c
  for c in "${ROBERTA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    local v; v=$(java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then export JAVA_HOME="$c"; return 0; fi
  done
  echo "error: Java 25 not found; install a JDK 25 or set ROBERTA_JAVA_HOME" >&2
  return 1
}
# Maven 3.8 on JDK 25 warns about sun.misc.Unsafe; keep its output clean.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
