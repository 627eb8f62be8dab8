// ZOO_THREADS: the thread count kernels split across, checked before any work.
import Foundation
import Testing
import ZooCore

@Test func threadSettingAcceptsOneToTheAvailableProcessors() throws {
    #expect(try Parallel.threadSetting(nil, available: 4) == nil)
    #expect(try Parallel.threadSetting("", available: 4) == nil)
    #expect(try Parallel.threadSetting("1", available: 4) == 1)
    #expect(try Parallel.threadSetting(" 4 ", available: 4) == 4)
    for bad in ["0", "-1", "5", "two", "1.5"] {
        #expect(throws: ThreadSettingError.self) { try Parallel.threadSetting(bad, available: 4) }
    }
    #expect(SystemInfo.environmentProblems(["ZOO_THREADS": "0"])
            == ["ZOO_THREADS=0: expected a whole number from 1 to \(Parallel.availableProcessors) (the processors available to this process)"])
    #expect(SystemInfo.environmentProblems(["ZOO_THREADS": "1"]).isEmpty)
    #expect(SystemInfo.environmentProblems([:]).isEmpty)
}

/// The real executable: a bad value stops it with exit status 2 and the variable's name; a good one is used.
@Test func zooHonoursAndChecksZooThreads() throws {
    let executable = builtZooExecutable.path
    try #require(FileManager.default.isExecutableFile(atPath: executable),
                 "\(executable) is missing: build it with swift build --build-tests")
    func run(_ value: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["doctor", "--json", "--no-probe"]
        var environment = ProcessInfo.processInfo.environment
        environment["ZOO_THREADS"] = value
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
    let bad = try run("lots")
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("ZOO_THREADS=lots: expected a whole number from 1 to"), "\(bad.stderr)")
    #expect(bad.stdout.isEmpty)

    let one = try run("1")
    #expect(one.status == 0, "\(one.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
    let system = try #require(object["system"] as? [String: Any])
    let cpu = try #require(system["cpu"] as? [String: Any])
    #expect(cpu["cores"] as? Int == 1)
    let blas = try #require(system["openBLAS"] as? [String: Any])
    #expect(blas["threads"] as? Int == 1)
}
