// Faults while saving, on the real executable: a file-size limit (a full disk as a process sees it),
// SIGKILL at random points of a run that saves at every step, and a folder the process may not write.
// In each case the previous checkpoint stays intact and loadable, and an error names the path and cause.
import Foundation
import Testing
@testable import ZooCore

/// The tiny `shapes` workspace of these tests.
private struct FaultWorkspace {
    private let base: ShapesWorkspace
    init() throws { base = try ShapesWorkspace(prefix: "zoo-faults") }
    var path: String { base.path }
    var store: String { base.store }
    func file(_ name: String) -> String { base.file(name) }
    func remove() { base.remove() }
}

/// A finished run of the real executable: exit status and stderr.
private struct Outcome {
    var status: Int32
    var signalled: Bool
    var stderr: String
}

/// Runs `/bin/bash -c script` with `ZOO` set to the built executable and waits for it.
private func shell(_ script: String) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    var environment = ProcessInfo.processInfo.environment
    environment["ZOO"] = builtZooExecutable.path
    process.environment = environment
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = Pipe()
    try process.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                   stderr: text)
}

private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

private func requireBuiltExecutable() throws {
    try #require(FileManager.default.isExecutableFile(atPath: builtZooExecutable.path),
                 "build the executable first: swift build --build-tests")
}

/// Checks the executable is built, trains the tiny convgru 2 steps into `run` and returns last.h5's bytes.
private func trainTwoSteps(_ w: FaultWorkspace, into run: String) throws -> Data {
    try requireBuiltExecutable()
    let first = try shell("\"$ZOO\" train convgru --preset tiny --data \(w.store) --out \(run) --steps 2 --quiet")
    try #require(first.status == 0, "\(first.stderr)")
    return try #require(bytes(run + "/last.h5"))
}

/// Names in the run folder that look like zoo's temporary files.
private func temporaries(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { RunDirectory.temporaryOwner($0) != nil }
}

@Suite(.serialized) struct FaultInjection {
    /// A file-size limit below one checkpoint: the save fails with an error naming the checkpoint and the
    /// cause, the process exits 1 (HDF5 used to crash at exit after the failed close), last.h5 is
    /// byte-for-byte the one before, and no temporary file is left. A clip store written under the same
    /// limit fails the same way and leaves nothing at its path.
    @Test func fullDiskKeepsThePreviousCheckpoint() throws {
        let w = try FaultWorkspace()
        defer { w.remove() }
        let run = w.file("run")
        let good = try trainTwoSteps(w, into: run)
        #expect(good.count > 40 * 1024)

        // 20 KiB per file: metrics.csv and config.json fit, a checkpoint does not. SIGXFSZ is ignored so
        // that the write fails with EFBIG instead of killing the process.
        let limited = try shell("trap '' XFSZ; ulimit -f 20; exec \"$ZOO\" train convgru --data \(w.store) --out \(run) "
                                + "--resume --steps 4 --checkpoint-every 1 --quiet")
        #expect(!limited.signalled && limited.status == 1, "status \(limited.status): \(limited.stderr)")
        #expect(limited.stderr.contains(run + "/step-000003.h5"), "\(limited.stderr)")
        #expect(limited.stderr.contains("File too large"), "\(limited.stderr)")
        #expect(bytes(run + "/last.h5") == good)
        #expect(try Checkpoint.read(from: run + "/last.h5").step == 2)
        #expect(temporaries(run).isEmpty, "\(temporaries(run))")
        #expect(!FileManager.default.fileExists(atPath: run + "/step-000003.h5"))

        let store = w.file("flow.h5")
        let data = try shell("trap '' XFSZ; ulimit -f 20; exec \"$ZOO\" data generate shapes --size 32 --train 40 "
                             + "--test 8 --out \(store) --quiet")
        #expect(!data.signalled && data.status == 1, "status \(data.status): \(data.stderr)")
        #expect(data.stderr.contains(store) && data.stderr.contains("File too large"), "\(data.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    /// SIGKILL at random moments of a run that saves every step, 50 times, each time resuming from what the
    /// previous process left: every time, last.h5 and every step checkpoint load, last.h5 never goes back
    /// to an earlier step, and the temporary files of killed saves are cleared by the next start. The kills
    /// that landed inside a save (a temporary file present afterwards) are counted: at least a few must, or
    /// the test would not test what it says.
    @Test func sigkillDuringSavesNeverLosesACheckpoint() throws {
        try requireBuiltExecutable()
        let w = try FaultWorkspace()
        defer { w.remove() }
        let run = w.file("run")
        var rng = SystemRandomNumberGenerator()
        var lastStep = 0
        var insideSave = 0
        for round in 0..<50 {
            let resume = FileManager.default.fileExists(atPath: run + "/last.h5")
            if !resume { try? FileManager.default.removeItem(atPath: run) }
            let process = Process()
            process.executableURL = builtZooExecutable
            process.arguments = ["train", "convgru", "--preset", "tiny", "--data", w.store, "--out", run,
                                 "--steps", "1000000", "--checkpoint-every", "1", "--eval-every", "0", "--quiet"]
                + (resume ? ["--resume"] : [])
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...0.9, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the run ended by itself")

            if !temporaries(run).isEmpty { insideSave += 1 }
            guard FileManager.default.fileExists(atPath: run + "/last.h5") else {
                #expect(lastStep == 0, "round \(round): last.h5 vanished after step \(lastStep)")
                continue
            }
            let last = try Checkpoint.read(from: run + "/last.h5")
            #expect(last.step >= lastStep, "round \(round): last.h5 went back from step \(lastStep) to \(last.step)")
            lastStep = last.step
            for checkpoint in RunDirectory(path: run).stepCheckpoints() {
                #expect(throws: Never.self, "round \(round): \(checkpoint.path)") {
                    _ = try Checkpoint.read(from: checkpoint.path)
                }
            }
        }
        #expect(lastStep > 10)
        #expect(insideSave >= 3, "only \(insideSave) of 50 kills landed inside a save")
        // A normal start clears what the killed saves left.
        let finish = try shell("\"$ZOO\" train convgru --data \(w.store) --out \(run) --resume --steps \(lastStep + 1) --quiet")
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(temporaries(run).isEmpty, "\(temporaries(run))")
    }

    /// A run folder the process may not write: `--resume` stops before training with an error naming the
    /// folder and the cause, and last.h5 is unchanged. As root (CI), permissions do not bind, so the
    /// executable runs as `nobody` through setpriv.
    @Test func readOnlyFolderGivesANamedError() throws {
        let w = try FaultWorkspace()
        defer { w.remove() }
        let run = w.file("run")
        let good = try trainTwoSteps(w, into: run)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: run)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: w.path)
        let asUser = getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : ""
        let denied = try shell(asUser + "\"$ZOO\" train convgru --data \(w.store) --out \(run) --resume --steps 4 --quiet")
        #expect(denied.status == 1, "status \(denied.status): \(denied.stderr)")
        #expect(denied.stderr.contains(run) && denied.stderr.contains("Permission denied"), "\(denied.stderr)")
        #expect(bytes(run + "/last.h5") == good)
        #expect(try Checkpoint.read(from: run + "/last.h5").step == 2)
    }
}

/// The stale-temporary rule by itself: names zoo writes are recognised with their process id, others not.
@Test func temporaryFileNamesCarryTheirProcess() {
    #expect(RunDirectory.temporaryOwner(".step-000040.h5.tmp-1234-99") == 1234)
    #expect(RunDirectory.temporaryOwner("last.h5.tmp-77") == 77)
    #expect(RunDirectory.temporaryOwner(".write-test-5") == 5)
    #expect(RunDirectory.temporaryOwner("step-000040.h5") == nil)
    #expect(RunDirectory.temporaryOwner("notes.tmp-x") == nil)
    #expect(RunDirectory.temporaryOwner("a.write-test-5") == nil)
}
