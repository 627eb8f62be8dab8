import ZooCLI
import ZooCore

SystemInfo.tuneMalloc()
Zoo.main()
