import ZooBench
import ZooCore

SystemInfo.exitOnInvalidEnvironment()
SystemInfo.tuneMalloc()
ZooBenchCommand.main()
