import ZooCLI
import ZooCore

// Under mpirun, ranks on one host share its processors unless ZOO_THREADS says otherwise.
DataParallel.shareThreadsAmongLocalRanks()
SystemInfo.exitOnInvalidEnvironment()
SystemInfo.tuneMalloc()
Zoo.main()
