xml 17:02.3 --interface --mac 52:54:00:AA:BB:CC --guest-address 0000:00:09.0 --managed no
