import ZooBench
import ZooCore

SystemInfo.tuneMalloc()
ZooBenchCommand.main()
