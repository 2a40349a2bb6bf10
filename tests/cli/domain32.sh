#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# PCI domains above 0xffff (VMD and other 32-bit host bridges): read from sysfs names, guest XML,
# node devices, DEVICE arguments and the journal as they are, never cut to 16 bits.
. "$srcdir/tests/lib/common.sh"

R=$(fake_root domain32)
URI="test://$top_srcdir/tests/data/domain32.xml"
pp() { _n=$1; shift; run_cmd "$_n" -c "$URI" --sysfs-root "$R" "$@"; }
jqo() { jq -r "$2" "$WORK/$1.out"; }

pp list list --json
[ "$(jqo list '[.[].address] | join(" ")')" = "0000:00:00.0 0000:d8:00.0 10000:d8:00.0 10000:d8:00.1" ]
ok $? "sysfs names with a 5-digit domain are listed as the kernel spells them"
[ "$(jqo list '.[] | select(.address=="10000:d8:00.0") | .owners | map(.guest) | join(",")')" = vm32 ]
ok $? "the guest holding domain='0x10000' owns 10000:d8:00.0"
[ "$(jqo list '.[] | select(.address=="0000:d8:00.0") | .owners | length')" = 0 ]
ok $? "and not 0000:d8:00.0, the function of domain 0 with the same bus, slot and function"

pp guests guests --json
[ "$(jqo guests '.[] | select(.name=="vm32") | .hostdevs | join(",")')" = "10000:d8:00.0" ]
ok $? "guests --json names the 32-bit domain"

pp free attach free 0000:d8:00.0 --config --dry-run
[ "$(rc free)" = 0 ] && out_has free "domain=\"0x0000\" bus=\"0xd8\""
ok $? "attach of 0000:d8:00.0 is not blocked by the guest holding 10000:d8:00.0"
pp held attach free 10000:d8:00.0 --config --dry-run
[ "$(rc held)" = 1 ] && err_has held "vm32"
ok $? "attach of 10000:d8:00.0 is refused: vm32 holds it"
pp xml xml 10000:d8:00.1
out_has xml "domain=\"0x10000\" bus=\"0xd8\" slot=\"0x00\" function=\"0x1\""
ok $? "the XML for DEVICE 10000:d8:00.1 carries domain 0x10000"

pp big xml 100000000:d8:00.0
[ "$(rc big)" = 1 ] && err_has big "domain 0000-ffffffff"
ok $? "a domain above 32 bits is refused, naming the valid range"

run_cmd nd -c "$URI" --inventory libvirt list --json
[ "$(jqo nd '[.[].address] | join(" ")')" = "10000:d8:00.0" ] &&
    [ "$(jqo nd '.[0].owners | map(.guest) | join(",")')" = vm32 ]
ok $? "a node device of domain 65536 is 10000:d8:00.0, owned by vm32"

done_testing
