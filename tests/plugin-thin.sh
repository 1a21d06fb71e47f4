#!/bin/bash
# plugin-thin.sh - a SASL *server* process with our module in its plugin
# path maps no libcurl and no OpenSSL; a client process does (the core is
# loaded at client init). Issue: "the module is thin".
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
mkdir -p "$T/store"

maps=$("$top_builddir/tests/sasl-server-init") || t_fail "sasl_server_init failed"
t_contains "$maps" "libsasl-oauth2.so" "server maps our module (else the test proves nothing)"
for lib in libcurl libssl libcrypto libjansson sasl-oauth2-core; do
	t_not_contains "$maps" "$lib" "objects mapped by a SASL server process"
done
maps=$("$top_builddir/tests/sasl-server-init" client) || t_fail "sasl_client_init failed"
t_contains "$maps" "sasl-oauth2-core.so" "client process loads the core"
t_contains "$maps" "libcurl" "client process maps libcurl through the core"
echo "PASS: server maps no libcurl/OpenSSL; client loads the core"
