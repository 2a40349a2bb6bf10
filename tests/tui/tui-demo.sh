#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A newcomer's first change on the demo, in the console and the CLI: pick a free VF and the
# running guest 'router', keep the form's default, apply, and read back what libvirt holds. The
# demo's guests live in libvirt's test driver, which has no live device change: the form must
# offer only the persistent configuration, say why, and no raw "not supported" may show.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

tui_begin
unset PCIPASS_DATADIR

# --- the console, started as the README says: pcipass --demo ---
tui_start 80 24 --demo
wait_for "Host PCI functions"; ok $? "--demo opens the function list"
keys -l /; wait_for "Filter:"; keys -l 17:02.3; keys Enter; wait_for "1 shown"
screen | grep -q "^0000:17:02.3 .* -$"; ok $? "0000:17:02.3 is free in the demo"
keys Enter; wait_for "Pick the guest for 0000:17:02.3"
keys Home j j; keys Enter; wait_for "Assign 0000:17:02.3 to guest 'router'"
ok $? "the running guest 'router' picked"
screen | grep -q "Guest 'router': running"; ok $? "the form says the guest runs"
screen | grep -q "Apply to *< persistent only >"; ok $? "the form's default there: persistent only"
wait_for "libvirt's test driver has no live change: persistent only, from next start"
ok $? "and one line says why"
# Form, Managed, Guest PCI address, then Apply to: Right there offers the next choice, if any
keys Tab Tab Tab Right Right; wait_for "Valid."
screen | grep -q "Form *< hostdev >" && screen | grep -q "Apply to *< persistent only >"
ok $? "no other choice is offered (live is not)"
keys Tab Enter; wait_for "XML preview: 0000:17:02.3 to guest 'router' (persistent only)"
ok $? "the preview says where it goes"
keys Enter; wait_for "Attach 0000:17:02.3 to the persistent configuration of guest 'router'? [y/N]"
keys y; wait_for "Assignment applied"; ok $? "the default applied"
screen | grep -q "libvirt stored this in the persistent configuration of guest 'router'"
ok $? "the result is what libvirt stored, read back"
! screen | grep -q "not supported"; ok $? "no raw 'not supported'"
keys Escape; wait_for "Host PCI functions"
wait_for "router[C]"; ok $? "the list, read back, shows router holding it persistently"
keys o; wait_for "Who owns what"
screen | grep -q "^0000:17:02.3 .*router .*C "; ok $? "and so does the ownership review"
keys q; wait_for "EXITED"
screen | grep -q "EXITED 0 "; ok $? "q exits 0"

# --- the same first change in the CLI ---
run_cmd att --demo attach router 0000:17:02.3
ok "$(rc att)" "--demo attach router 0000:17:02.3 exits 0"
err_has att "libvirt's test driver has no live change: persistent only, from next start"
ok $? "and says why it went to the persistent configuration only"
out_has att "# attached 0000:17:02.3 to the persistent configuration of guest 'router'; libvirt stored:"
ok $? "read back from what libvirt stored"
! grep -q "not supported" "$WORK/att.err"; ok $? "no raw 'not supported'"
run_cmd live --demo attach router 0000:17:02.3 --live
[ "$(rc live)" = 1 ] && err_has live "--live: this connection's driver (libvirt's test driver) cannot change the devices of a running guest such as 'router'; use --config"
ok $? "--live there: refused in words, exit 1"
! grep -q "not supported" "$WORK/live.err"; ok $? "and not with libvirt's raw text"

done_testing
