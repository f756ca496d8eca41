#!/usr/bin/env bash
# The controller package's postinst (deploy/packaging/controller/postinst) makes the TLS files
# once: run with its paths moved into a temporary directory (and the built tumen-controller,
# no systemctl), it creates the CA and a server certificate for localhost and 127.0.0.1 with
# keys 0600; run again, it leaves them as they are. Skips (77) without the built binary or
# openssl.
set -euo pipefail
src="${TUMEN_SOURCE_DIR:?}"
build="${TUMEN_BUILD_DIR:?}"
exe="$build/controller/tool/tumen-controller"
[ -x "$exe" ] || { echo "SKIP: $exe not built"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl not installed"; exit 77; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
  local what="$1"
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

mkdir -p "$tmp/examples"
touch "$tmp/examples/controller.yaml"
sed -e "s#/etc/tumen#$tmp/etc#g" -e "s#/usr/bin/tumen-controller#$exe#g" \
  -e "s#/usr/share/doc/tumen-controller/examples#$tmp/examples#g" \
  -e "s#/run/systemd/system#$tmp/no-systemd#g" "$src/deploy/packaging/controller/postinst" >"$tmp/postinst"
check "the postinst still names the paths this test moves" \
  grep -q "$exe init-tls $tmp/etc/tls" "$tmp/postinst"

sh "$tmp/postinst" configure >"$tmp/out1"
tls="$tmp/etc/tls"
check "postinst reports the certificate" grep -q "made a CA and a server certificate in $tls" "$tmp/out1"
for f in ca.crt controller.crt; do check "$f mode 644" test "$(stat -c %a "$tls/$f")" = 644; done
for f in ca.key controller.key; do check "$f mode 600" test "$(stat -c %a "$tls/$f")" = 600; done
check "the server certificate verifies against the CA for localhost" \
  openssl verify -CAfile "$tls/ca.crt" -verify_hostname localhost "$tls/controller.crt"
check "... and for 127.0.0.1" openssl verify -CAfile "$tls/ca.crt" -verify_ip 127.0.0.1 "$tls/controller.crt"
sum1="$(cat "$tls"/* | sha256sum)"
sh "$tmp/postinst" configure >"$tmp/out2"
check "a second postinst run keeps the files" test "$(cat "$tls"/* | sha256sum)" = "$sum1"
check "... and says nothing about TLS" bash -c '! grep -q "init-tls\|certificate" "$1"' _ "$tmp/out2"
exit "$fail"
