import ZooCLI
import ZooCore

SystemInfo.exitOnInvalidEnvironment()
SystemInfo.tuneMalloc()
Zoo.main()
