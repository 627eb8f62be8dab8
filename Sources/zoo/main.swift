import ZooCLI

Zoo.main()
