#!/usr/bin/env bash
# npm run lint: the format check, ESLint and the two typechecks (lib/scripts/tests/bench; notebooks) side by side —
# each is one single-threaded process, so on a busy machine running them together roughly halves the wall time.
# Prints each check's output under its name; fails when any check fails.
set -u
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
names=('prettier --check' 'eslint' 'tsc (tsconfig.json)' 'tsc (tsconfig.notebooks.json)')
cmds=('prettier --check .' 'eslint .' 'tsc --noEmit -p .' 'tsc --noEmit -p tsconfig.notebooks.json')
start=$(date +%s)
for i in "${!cmds[@]}"; do
  (
    t0=$(date +%s)
    # shellcheck disable=SC2086 # the commands are word lists
    npx --no-install ${cmds[$i]} >"$out/$i.log" 2>&1
    echo "$? $(($(date +%s) - t0))" >"$out/$i.rc"
  ) &
done
wait
failed=0
for i in "${!cmds[@]}"; do
  read -r rc secs <"$out/$i.rc"
  if [ "$rc" -eq 0 ]; then status=ok; else status="FAILED (exit $rc)" && failed=1; fi
  echo "[lint] ${names[$i]}: $status in ${secs} s"
  [ "$rc" -eq 0 ] || sed 's/^/    /' "$out/$i.log"
done
echo "[lint] $([ $failed -eq 0 ] && echo ok || echo FAILED) in $(($(date +%s) - start)) s"
exit $failed
