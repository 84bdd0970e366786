#!/usr/bin/env bash
# Usage errors exit 2 before anything is sent: unknown flag, bad values (priority,
# duration, address), content that is not a JSON object, a missing subcommand, and TLS
# files that cannot be used. --help exits 0 and documents the exit
# statuses; every subcommand's help has examples.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
# A closed port: usage errors must be reported without connecting (else they would be 3).
export AGENTD_SERVER="127.0.0.1:$(free_port)"

expect_ctl 2 health --bogus
assert_contains "$CTL_ERR" "error: Unknown option '--bogus'"
expect_ctl 2 send w1 --priority urgent
expect_ctl 2 send w1 --ttl 5x
expect_ctl 2 send
expect_ctl 2 send w1 --content '[1, 2]'
assert_contains "$CTL_ERR" "error: --content: must be a JSON object"
expect_ctl 2 send w1 --content '{"a":'
assert_contains "$CTL_ERR" "error: --content: not valid JSON"
expect_ctl 2 send w1 --content @"$TEST_TMP/no-such-file.json"
assert_contains "$CTL_ERR" "cannot read file"
expect_ctl 2 assign --type t --parameters 'nope'
expect_ctl 2 assign --capabilities gpu                  # --type is required
expect_ctl 2 ack                                        # no ids
expect_ctl 2 tail --count 0
expect_ctl 2 tasks --as-role emperor
expect_ctl 2 health --server 'no-port-here:'
assert_contains "$CTL_ERR" "bad server address"
expect_ctl 2 health --ca-file "$TEST_TMP/no-such-ca.pem"
assert_contains "$CTL_ERR" "error: TLS settings:"
expect_ctl 2 stats --tls --cert-file /etc/ssl/certs/ca-certificates.crt
assert_contains "$CTL_ERR" "error: --cert-file and --key-file go together"
expect_ctl 2 no-such-subcommand
expect_ctl 2                                            # no subcommand: help on stderr, 2
assert_contains "$CTL_ERR" "SUBCOMMANDS"
expect_ctl 2 dead-letters

expect_ctl 0 --help
for needle in "Exit status:" "0  ok" "1  agentd answered with an error" "2  usage error" \
    "3  could not connect" "4  \`health\`" "AGENTD_SERVER" "AGENTD_AGENT" "AGENTD_TOKEN" "token"; do
    assert_contains "$CTL_OUT" "$needle" "agentctl --help"
done
for sub in send tail fetch ack agents tasks task assign cancel broadcast stats health \
    "dead-letters list" "dead-letters requeue"; do
    # shellcheck disable=SC2086  # "dead-letters list" is two words on purpose
    expect_ctl 0 help $sub
    assert_contains "$CTL_OUT" "Examples:" "agentctl help $sub"
    assert_contains "$CTL_OUT" "--server" "agentctl help $sub"
done
echo "# usage errors exit 2 without connecting; help documents exit statuses and examples"
