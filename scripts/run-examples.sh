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

cd "$root/examples"
mvn -B -ntp -q ${ROBERTA_MVN_OFFLINE:+-o} compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "target/classes:$(cat target/classpath.txt)" example.LibraryExample "$root/testdata/models/tiny-roberta-mlm"
