# Sourced by ab.sh, serve_ab.sh and pass_ab.sh (with root and base set): builds the commit $base and the working tree,
# leaving their CLI jars as $work/a.jar and $work/b.jar in a temporary $work that is removed on exit.
. "$root/tools/jdk.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" archive "$base" | tar -x -C "$work"
(cd "$work" && tools/mvn -B -q -o -DskipTests -Dmaven.test.skip=true package >&2)
(cd "$root" && tools/mvn -B -q -o -DskipTests -Dmaven.test.skip=true package >&2)
cp "$work/cli/target/gpt2j.jar" "$work/a.jar"
cp "$root/cli/target/gpt2j.jar" "$work/b.jar"
