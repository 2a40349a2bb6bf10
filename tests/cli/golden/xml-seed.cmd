xml 0002:00:00.0 --managed yes --zpci-uid 0x0001 --zpci-fid 0x00000000
