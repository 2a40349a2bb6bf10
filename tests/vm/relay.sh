# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the lane's tests: the TAP a scenario wrote inside the VM, renumbered into this test's
# stream (TODO directives kept), and the scenario's timings as diagnostics.
relay_tap() { # FILE
    [ -f "$1" ] || return 0
    while IFS= read -r _line; do
        case $_line in
            "ok "*|"not ok "*)
                _st=0; case $_line in "not ok "*) _st=1 ;; esac
                _desc=${_line#*ok }; _desc=${_desc#* - }
                tap_n=$((tap_n + 1))
                case $_desc in
                    *"# TODO"*) [ $_st -eq 0 ] && echo "ok $tap_n - $_desc" || echo "not ok $tap_n - $_desc" ;;
                    *) if [ $_st -eq 0 ]; then echo "ok $tap_n - $_desc"; else echo "not ok $tap_n - $_desc"; tap_failed=$((tap_failed + 1)); fi ;;
                esac ;;
            "#"*) echo "$_line" ;;
            1..*) ;;
            *) echo "# $_line" ;;
        esac
    done < "$1"
}

relay_times() { # T0 T_BOOT T_END TIMESFILE: fetch+initramfs, then each mark (the VM kernel's uptime)
    echo "# timing: kernel fetch and initramfs $(secs "$1" "$2") s"
    _prev=0
    if [ -f "$4" ]; then
        while read -r _what _t; do
            echo "# timing: $_what at $_t s of the VM kernel's uptime (+$(secs "$_prev" "$_t") s)"
            _prev=$_t
        done < "$4"
    fi
    echo "# timing: QEMU ran $(secs "$2" "$3") s; the whole test $(secs "$1" "$3") s"
}
