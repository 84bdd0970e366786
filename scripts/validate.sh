#!/usr/bin/env bash
# Checks the project's code rules that a compiler does not:
#   - only Sources/RedisStreams/Hiredis/ imports CHiredis or holds OpaquePointer (C interop);
#   - unsafe pointers and buffers appear only there too;
#   - no `try!` in Sources.
# Prints each violation; exits non-zero if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

violations="$(git grep -l -E 'import CHiredis|OpaquePointer' -- Sources | grep -v '^Sources/RedisStreams/Hiredis/' || true)"
if [ -n "$violations" ]; then
    echo "validate: C interop outside Sources/RedisStreams/Hiredis/:"; echo "$violations"; status=1
fi

violations="$(git grep -l -E '\bUnsafe[A-Za-z]*(Pointer|BufferPointer)|withUnsafe' -- Sources \
    | grep -v '^Sources/RedisStreams/Hiredis/' || true)"
if [ -n "$violations" ]; then
    echo "validate: unsafe pointers outside Sources/RedisStreams/Hiredis/:"; echo "$violations"; status=1
fi

violations="$(git grep -n 'try!' -- Sources || true)"
if [ -n "$violations" ]; then
    echo "validate: try! in Sources:"; echo "$violations"; status=1
fi

[ "$status" -eq 0 ] && echo "validate: ok"
exit "$status"
