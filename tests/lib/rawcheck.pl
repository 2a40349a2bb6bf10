#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# rawcheck.pl FILE...: exit 1, naming file, line and byte, when a file holds what a terminal would
# take as a command: a C0 control but newline and tab, DEL, a C1 control (UTF-8 encoded), a bidi
# control (U+202A-U+202E, U+2066-U+2069), or bytes that are not valid UTF-8.
use strict;
use warnings;
my $bad = 0;
for my $f (@ARGV) {
    open(my $fh, '<:raw', $f) or die "$f: $!\n";
    my $n = 0;
    while (my $line = <$fh>) {
        $n++;
        my $copy = $line;
        if ($copy =~ /([\x00-\x08\x0b-\x1f\x7f])/) {
            printf "%s:%d: raw control 0x%02x\n", $f, $n, ord($1); $bad = 1; next;
        }
        if ($copy =~ /\xc2([\x80-\x9f])/) {
            printf "%s:%d: raw C1 control 0x%02x\n", $f, $n, ord($1); $bad = 1; next;
        }
        if ($copy =~ /\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]/) {
            printf "%s:%d: raw bidi control\n", $f, $n; $bad = 1; next;
        }
        if (!utf8::decode($copy)) {
            printf "%s:%d: not valid UTF-8\n", $f, $n; $bad = 1; next;
        }
    }
    close($fh);
}
exit $bad;
