#!/usr/bin/env bash
# The published Java API, used as a Java user would: install the library modules into ~/.m2, then
# build the standalone examples/ project against them and run it on the tiny test model. Any
# failure (build, run, or a Javadoc warning on the API) fails the script. CI runs it after the tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"
select_java25
cd "$root"
# ROBERTA_MVN_OFFLINE=1: a machine without network, everything already in ~/.m2
mvn -B -ntp -q ${ROBERTA_MVN_OFFLINE:+-o} install -DskipTests
# the public API's Javadoc (the classes each module's pom lists): doclint on, a warning fails.
# The plugin's stale-data check skips a module whose sources changed in place, so it is cleared;
# on failure the log's warnings are shown (-q would hide them).
rm -f "$root"/*/target/maven-javadoc-plugin-stale-data.txt
log="$root/target/javadoc.log"
mkdir -p "$root/target"
if ! mvn -B -ntp ${ROBERTA_MVN_OFFLINE:+-o} javadoc:javadoc >"$log" 2>&1; then
    grep -E 'warning|error|ERROR' "$log" >&2
    exit 1
fi

cd "$root/examples"
mvn -B -ntp -q ${ROBERTA_MVN_OFFLINE:+-o} compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "target/classes:$(cat target/classpath.txt)" example.LibraryExample "$root/testdata/models/tiny-roberta-mlm"
