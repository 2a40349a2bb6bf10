#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lays out, under ROOT, the PCI sysfs that tests/vm/init-s390x.sh printed from a real kernel: the
# same directories, the same link targets (relative, as the kernel wrote them) and the same bytes.
# Unlike tests/lib/mkfakesys.sh, which makes a tree from a description, nothing is translated here.
#   replay-sysfs.sh DUMP ROOT
set -eu
mkdir -p "$2"
perl -e '
    use strict; use File::Path qw(make_path); use File::Basename qw(dirname);
    my ($dump, $root) = @ARGV;
    open(my $in, "<", $dump) or die "replay: $dump: $!\n";
    my $on = 0; my @links; my $n = 0;
    while (<$in>) {
        s/\r?\n$//;
        if (/^PPSYS-BEGIN$/) { $on = 1; next }
        last if /^PPSYS-END$/;
        next unless $on;
        my ($t, $p, $rest) = split / /, $_, 3;
        die "replay: bad path $p\n" if !defined $p || $p =~ m{(^|/)\.\.(/|$)} || $p =~ m{^/};
        if ($t eq "D") { make_path("$root/$p") }
        elsif ($t eq "F") {
            make_path(dirname("$root/$p"));
            open(my $o, ">", "$root/$p") or die "replay: $p: $!\n";
            print $o pack("C*", map { hex } split(" ", $rest // ""));
            close $o; $n++;
        }
        elsif ($t eq "L") { push @links, [$p, $rest] }
    }
    # links last: their targets are directories made above
    for my $l (@links) {
        make_path(dirname("$root/$l->[0]"));
        symlink($l->[1], "$root/$l->[0]") or die "replay: $l->[0]: $!\n";
    }
    exit($on && $n ? 0 : 1);
' "$1" "$2"
